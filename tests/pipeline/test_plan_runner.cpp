// run_plan on analytic denoisers: Fast-Track phases and guidance, history sharing across slices, the adaptive
// stop with its tail to σ = 0, and cancellation.
#include <gtest/gtest.h>

#include <atomic>

#include "pipeline/plan_runner.h"
#include "sampling/brownian.h"
#include "sampling/schedules.h"

using namespace ripen;

namespace {
// Data ~ N(mu, s²) per element: D(x, σ) = mu + s²/(s²+σ²)·(x − mu), exact posterior mean.
struct Gaussian {
  double s = 0.5;
  at::Tensor mu = at::linspace(-1, 1, 4 * 8 * 8, at::kDouble).view({1, 4, 8, 8});
  std::vector<std::pair<int, double>>* log = nullptr;  // (step, cfg) of each call
  DenoiserFactory factory() {
    return [this](const sampling::GuidanceSchedule& g) {
      return sampling::Denoiser([this, g](const at::Tensor& x, double sigma, int step) {
        if (log) log->push_back({step, g.at(step)});
        return mu + (s * s / (s * s + sigma * sigma)) * (x - mu);
      });
    };
  }
};

PlanRunOptions options(const SamplingPlan& plan) {
  PlanRunOptions o;
  o.sigmas = sampling::karras_sigmas(plan.steps, 0.0292, 14.6146);
  o.noise = sampling::brownian_noise_sampler({42}, {4, 8, 8}, at::TensorOptions().dtype(at::kDouble));
  return o;
}
at::Tensor start(double sigma) { return at::randn({1, 4, 8, 8}, at::kDouble) * sigma; }

SamplingPlan custom(std::vector<SamplerPhase> phases, int steps) {
  SamplingPlan p;
  p.steps = steps;
  p.phases = std::move(phases);
  p.cfg.assign(steps, 5.0);
  return p;
}
}  // namespace

TEST(PlanRunner, SlicesOfOnePhaseShareMultistepHistory) {
  Gaussian g;
  at::Tensor x0 = start(14.6146);
  SamplingPlan one = custom({{"dpmpp_2m", 0, 10}}, 10);
  SamplingPlan two = custom({{"dpmpp_2m", 0, 4}, {"dpmpp_2m", 4, 10}}, 10);
  auto a = run_plan(one, g.factory(), x0, options(one));
  auto b = run_plan(two, g.factory(), x0, options(two));
  EXPECT_TRUE(at::equal(a.x, b.x));
  // A switch to another sampler and back restarts the history: the first step after it is first order.
  SamplingPlan sw = custom({{"dpmpp_2m", 0, 4}, {"euler", 4, 5}, {"dpmpp_2m", 5, 10}}, 10);
  auto c = run_plan(sw, g.factory(), x0, options(sw));
  PlanRunOptions o = options(sw);
  sampling::SamplerContext ctx;
  at::Tensor x = x0;
  auto d = g.factory()(guidance_of(sw));
  x = sampling::sample_dpmpp_2m(d, x, std::span<const double>(o.sigmas.data(), 5), ctx);
  x = sampling::sample_euler(d, x, std::span<const double>(o.sigmas.data() + 4, 2), ctx);
  x = sampling::sample_dpmpp_2m(d, x, std::span<const double>(o.sigmas.data() + 5, 6), ctx);
  EXPECT_TRUE(at::equal(c.x, x));
  EXPECT_EQ(c.steps_used, 10);
  EXPECT_EQ(c.model_calls, 10);
}

TEST(PlanRunner, FastTrackGuidancePerStepAndComposition) {
  std::vector<std::pair<int, double>> log;
  Gaussian g;
  g.log = &log;
  SamplingPlan p = fast_track_plan(22);
  p.adaptive.enabled = false;
  PlanRunOptions o = options(p);
  std::vector<int> steps;
  o.on_step = [&](const PlanStep& s) { steps.push_back(s.event.step); };
  auto r = run_plan(p, g.factory(), start(o.sigmas[0]), o);
  ASSERT_EQ(log.size(), 22u);
  for (int i = 0; i < 22; ++i) {
    EXPECT_EQ(log[i].first, i);
    EXPECT_NEAR(log[i].second, fast_track_cfg(i + 1), 1e-12) << i;
  }
  EXPECT_EQ(steps.size(), 22u);
  EXPECT_EQ(steps.back(), 22);
  ASSERT_TRUE(r.composition.defined());
  EXPECT_DOUBLE_EQ(r.composition_sigma, o.sigmas[6]);
  EXPECT_EQ(r.sigmas_used.back(), 0.0);
  // Close to the data (σ = 0 reached through a deterministic tail of the plan).
  EXPECT_LT((r.x - g.mu).abs().max().item<double>(), 2.0);
}

TEST(PlanRunner, AdaptiveStopsAtCheckpointAndFinishesWithTail) {
  std::vector<std::pair<int, double>> log;
  Gaussian g;
  g.s = 0.0;  // a point mass: x0 estimate is exact from the first step, so it converges at the first chance
  g.log = &log;
  SamplingPlan p = fast_track_plan(22);
  PlanRunOptions o = options(p);
  std::vector<PlanStep> events;
  std::vector<double> sig;
  o.on_step = [&](const PlanStep& s) { sig.push_back(s.sigma_next); events.push_back(s); };
  auto r = run_plan(p, g.factory(), start(o.sigmas[0]), o);
  EXPECT_GE(r.steps_used, 8);
  EXPECT_LE(r.steps_used, 22);
  EXPECT_EQ(r.steps_used, 8);  // stops at checkpoint 4, tail of 4 to reach min_steps
  EXPECT_NE(r.stop_reason.find("converged at step 4"), std::string::npos) << r.stop_reason;
  EXPECT_EQ(sig.back(), 0.0);  // the last step lands on σ = 0
  EXPECT_TRUE(events.back().tail());
  EXPECT_EQ(events.back().event.step, 8);
  EXPECT_TRUE(at::allclose(r.x, g.mu));
  // Tail steps use the tail guidance.
  EXPECT_DOUBLE_EQ(log.back().second, p.tail_cfg);
}

// An img2img run of the fast plan starts at the strength's step: the controller counts its checkpoints from there,
// decides only where stopping saves steps, the composition latent is its start when that lies below σ_c, and the
// record's segments say which steps ran.
TEST(PlanRunner, AdaptiveCountsFromAnImageRunsFirstStep) {
  Gaussian g;
  g.s = 0.0;
  SamplingPlan p = fast_track_plan(22);
  p.first_step = 7;  // A1111 strength 0.7: 15 steps run
  PlanRunOptions o = options(p);
  o.first_step = 7;
  std::vector<int> global_steps;
  o.on_step = [&](const PlanStep& s) {
    if (!s.tail()) global_steps.push_back(s.event.step);
  };
  at::Tensor x = g.mu + start(1.0) * o.sigmas[7];
  auto r = run_plan(p, g.factory(), x, o);
  EXPECT_EQ(r.steps_used, 8);  // relative checkpoint 4 (σ index 11), tail of 4 to min_steps
  EXPECT_NE(r.stop_reason.find("converged at step 4"), std::string::npos) << r.stop_reason;
  ASSERT_EQ(r.checkpoints.size(), 1u);
  EXPECT_DOUBLE_EQ(r.checkpoints[0].sigma, o.sigmas[11]);
  EXPECT_EQ(global_steps, (std::vector<int>{1, 2, 3, 4}));
  ASSERT_TRUE(r.composition.defined());  // σ_7 is below σ_c = σ_6: the start is the composition
  EXPECT_TRUE(at::equal(r.composition, x));
  EXPECT_DOUBLE_EQ(r.composition_sigma, o.sigmas[7]);
  auto seg = ran_segments(p, r.steps_used);
  ASSERT_EQ(seg.size(), 2u);
  EXPECT_EQ(seg[0].first, 8);
  EXPECT_EQ(seg[0].last, 11);
  EXPECT_TRUE(seg[1].tail);
  EXPECT_EQ(seg[1].steps(), 4);
  EXPECT_EQ(ran_segments(p, 15).front().first, 8);  // not stopped: σ indices 8..22
  // A short run (strength 0.3: 7 steps) never stops, since 4 + a tail to min_steps would be more steps.
  EXPECT_FALSE(p.adaptive.decides_at(4, 7));
  p.first_step = o.first_step = 15;
  auto short_run = run_plan(p, g.factory(), g.mu + start(1.0) * o.sigmas[15], o);
  EXPECT_EQ(short_run.steps_used, 7);
  EXPECT_TRUE(short_run.checkpoints.empty());
  // A run continuing later than the plan's start (promote continue) has no controller and no composition.
  o.first_step = 17;
  auto cont = run_plan(p, g.factory(), g.mu, o);
  EXPECT_EQ(cont.steps_used, 5);
  EXPECT_FALSE(cont.composition.defined());
}

TEST(PlanRunner, CancelStopsWithinOneStep) {
  Gaussian g;
  SamplingPlan p = custom({{"dpmpp_sde", 0, 10}}, 10);  // two evaluations per step
  PlanRunOptions o = options(p);
  std::atomic<bool> cancel{false};
  int last = 0;
  o.cancel = &cancel;
  o.on_step = [&](const PlanStep& s) {
    last = s.event.step;
    if (s.event.step == 3) cancel = true;
  };
  EXPECT_THROW(run_plan(p, g.factory(), start(o.sigmas[0]), o), sampling::Cancelled);
  EXPECT_EQ(last, 3);
}
