// Presets, Fast-Track plan, adaptive controller and metrics: everything of the pipeline that needs no model.
#include <gtest/gtest.h>

#include <cmath>

#include "pipeline/adaptive.h"
#include "pipeline/metrics.h"
#include "pipeline/presets.h"
#include "sampling/registry_names.h"
#include "tensors/error.h"

using namespace ripen;

namespace {
// The same deterministic image as the numpy reference that produced the expected numbers below.
Image pattern(int k, int w = 32, int h = 24) {
  Image im{w, h, std::vector<uint8_t>(size_t(w) * h * 3)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &im.rgb[(size_t(y) * w + x) * 3];
      p[0] = uint8_t((x * 7 + y * 13 + k * 31) % 256);
      p[1] = uint8_t((x * 3 + y * y + k * 5) % 256);
      p[2] = uint8_t((x * y + k) % 256);
    }
  return im;
}
}  // namespace

TEST(Metrics, SsimMatchesNumpyReference) {
  EXPECT_NEAR(ssim(pattern(0), pattern(0)), 1.0, 1e-12);
  // numpy: Gaussian 11x11 σ 1.5, valid region, BT.601 luma in [0, 1].
  EXPECT_NEAR(ssim(pattern(0), pattern(1)), 0.6003668786549353, 1e-10);
  EXPECT_NEAR(ssim(pattern(1), pattern(0)), 0.6003668786549353, 1e-10);
  EXPECT_THROW(ssim(pattern(0), pattern(0, 40)), Error);
}

TEST(Metrics, LaplacianVarianceMatchesNumpyReference) {
  EXPECT_NEAR(laplacian_variance(pattern(0)), 0.0952157694028453, 1e-10);
  Image flat{16, 16, std::vector<uint8_t>(16 * 16 * 3, 77)};
  EXPECT_NEAR(laplacian_variance(flat), 0.0, 1e-15);
}

TEST(Presets, FastTrackPhasesAndGuidance) {
  SamplingPlan p = fast_track_plan(22);
  ASSERT_EQ(p.phases.size(), 3u);
  EXPECT_EQ(p.phases[0], (SamplerPhase{"euler_ancestral", 0, 6}));
  EXPECT_EQ(p.phases[1].begin, 6);
  EXPECT_EQ(p.phases[1].end, 12);
  EXPECT_EQ(p.phases[2], (SamplerPhase{"dpmpp_2m", 12, 22}));
  ASSERT_EQ(p.cfg.size(), 22u);
  EXPECT_DOUBLE_EQ(p.cfg[0], 4.5);
  EXPECT_DOUBLE_EQ(p.cfg[5], 6.0);
  EXPECT_DOUBLE_EQ(p.cfg[11], 8.5);
  EXPECT_DOUBLE_EQ(p.cfg[21], 8.5);
  for (size_t i = 1; i < p.cfg.size(); ++i) EXPECT_GE(p.cfg[i], p.cfg[i - 1]);
  EXPECT_TRUE(p.adaptive.enabled);
  EXPECT_EQ(p.adaptive.min_steps, 8);
  EXPECT_EQ(p.adaptive.max_steps, 22);
  EXPECT_EQ(p.composition_steps, 6);
  EXPECT_EQ(p.sampler_at(0), "euler_ancestral");
  EXPECT_EQ(p.sampler_at(12), "dpmpp_2m");
}

TEST(Presets, QualityLightningCustom) {
  GenerationRequest r;
  r.preset = Preset::Quality;
  SamplingPlan q = plan_for(r);
  EXPECT_EQ(q.schedule, "karras");
  EXPECT_EQ(q.steps, 30);
  EXPECT_EQ(q.phases, (std::vector<SamplerPhase>{{"dpmpp_sde", 0, 30}}));
  EXPECT_DOUBLE_EQ(q.cfg[17], 9.0);
  EXPECT_FALSE(q.adaptive.enabled);
  r.preset = Preset::Lightning;
  SamplingPlan l = plan_for(r);
  EXPECT_EQ(l.phases[0].sampler, "lcm");
  EXPECT_GE(l.steps, 4);
  EXPECT_LE(l.steps, 6);
  EXPECT_DOUBLE_EQ(l.cfg[0], 1.0);
  r.preset = Preset::Custom;
  r.sampler = "heun";
  r.schedule = "exponential";
  r.steps = 7;
  r.cfg = 3.25;
  SamplingPlan c = plan_for(r);
  EXPECT_EQ(c.phases, (std::vector<SamplerPhase>{{"heun", 0, 7}}));
  EXPECT_EQ(c.schedule, "exponential");
  EXPECT_DOUBLE_EQ(c.cfg[6], 3.25);
  r.cfg_schedule = {2, 3, 4};
  EXPECT_DOUBLE_EQ(plan_for(r).cfg[6], 4.0);
}

TEST(Presets, ValidationNamesTheProblem) {
  GenerationRequest r;
  r.preset = Preset::Custom;
  auto msg = [&](auto change) {
    GenerationRequest x = r;
    change(x);
    try {
      plan_for(x);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(msg([](auto& x) { x.width = 500; }).find("multiple of 8"), std::string::npos);
  EXPECT_NE(msg([](auto& x) { x.steps = 0; }).find("below 1"), std::string::npos);
  EXPECT_NE(msg([](auto& x) { x.cfg = std::nan(""); }).find("CFG"), std::string::npos);
  EXPECT_NE(msg([](auto& x) { x.sampler = "bogus"; }).find("unknown sampler 'bogus'"), std::string::npos);
  EXPECT_NE(msg([](auto& x) { x.schedule = "cosine"; }).find("unknown schedule"), std::string::npos);
  EXPECT_EQ(msg([](auto&) {}), "no error");
}

// Presets validate against the registries themselves: every registered name is accepted and every refusal
// lists them all.
TEST(Presets, CustomTakesEveryRegisteredSamplerAndSchedule) {
  GenerationRequest r;
  r.preset = Preset::Custom;
  for (const auto& name : sampling::sampler_names()) {
    r.sampler = name;
    EXPECT_NO_THROW(plan_for(r)) << name;
  }
  r.sampler = "euler";
  for (const auto& name : sampling::schedule_names()) {
    r.schedule = name;
    EXPECT_NO_THROW(plan_for(r)) << name;
  }
  r.sampler = "plms";
  try {
    plan_for(r);
    FAIL() << "plms is not a Ripen sampler";
  } catch (const Error& e) {
    for (const auto& name : sampling::sampler_names()) EXPECT_NE(std::string(e.what()).find(name), std::string::npos);
  }
}

TEST(Adaptive, StopsWhenEstimateSettlesAndRecordsWhy) {
  AdaptivePlan plan;
  plan.enabled = true;
  AdaptiveController c(plan);
  at::Tensor target = at::ones({2, 4, 8, 8});
  // x0 approaches the target geometrically: the change between checkpoints shrinks below the threshold.
  int stopped = 0;
  for (int s = 1; s <= 22 && !stopped; ++s) {
    at::Tensor x0 = target * (1.0 + std::pow(0.5, s));
    if (c.after_step(s, 10.0 / s, 10.0, x0, at::Tensor())) stopped = s;
  }
  // change 1→4: (0.5 − 0.5^4)/(1+0.5^4) ≈ 0.41 > 0.35; 4→8: (0.5^4 − 0.5^8)/(1+0.5^8) ≈ 0.058 → stop at 8.
  EXPECT_EQ(stopped, 8);
  EXPECT_NE(c.reason().find("converged at step 8"), std::string::npos) << c.reason();
  ASSERT_EQ(c.history().size(), 2u);
  EXPECT_FALSE(c.history()[0].stop);
  EXPECT_TRUE(c.history()[1].stop);
  EXPECT_EQ(c.tail_steps(8), 3);
  EXPECT_EQ(c.tail_steps(12), 3);
  EXPECT_EQ(c.tail_steps(4), 4);  // reaches min_steps = 8
}

TEST(Adaptive, PreviewChangeKeepsItGoing) {
  AdaptivePlan plan;
  plan.enabled = true;
  AdaptiveController c(plan);
  at::Tensor x0 = at::ones({1, 4, 8, 8});
  bool stopped = false;
  for (int s = 1; s <= 22; ++s) {
    at::Tensor prev = at::full({1, 3, 8, 8}, ((s / 4) % 2) ? 0.2 : 0.8);  // flips between checkpoints
    stopped |= c.after_step(s, 1.0, 10.0, x0, prev);
  }
  EXPECT_FALSE(stopped);
  EXPECT_EQ(c.reason(), "max steps (22)");
}

namespace {
struct AlwaysStop : StopPredictor {
  std::string name() const override { return "always"; }
  StopDecision decide(const ConvergenceObservation& o) override { return {o.step >= 8, "test says so"}; }
};
}  // namespace

TEST(Adaptive, PredictorIsReplaceable) {
  AdaptivePlan plan;
  plan.enabled = true;
  AdaptiveController c(plan, std::make_shared<AlwaysStop>());
  at::Tensor x0 = at::randn({1, 4, 8, 8});
  int stopped = 0;
  for (int s = 1; s <= 22 && !stopped; ++s)
    if (c.after_step(s, 1.0, 10.0, x0 * s, at::Tensor())) stopped = s;
  EXPECT_EQ(stopped, 8);
  EXPECT_EQ(c.reason(), "test says so by always predictor");
}
