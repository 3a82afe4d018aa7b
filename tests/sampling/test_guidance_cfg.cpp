// Guidance schedules and the CFG denoiser wrapper. The wrapper is checked against the oracle's diffusers
// Euler pipelines by replaying the recorded UNet outputs (so no UNet is needed here).
#include "common/test_common.h"
#include "tensors/error.h"
#include "sampling/cfg_denoiser.h"
#include "sampling/guidance.h"
#include "sampling/sampler.h"
#include "sampling/schedules.h"
#include "tensors/safetensors.h"

using namespace ripen::sampling;

TEST(Guidance, ConstantRampPiecewise) {
  EXPECT_EQ(GuidanceSchedule().at(5), 1.0);
  auto c = GuidanceSchedule::constant(7.5);
  EXPECT_EQ(c.at(0), 7.5);
  EXPECT_EQ(c.at(100), 7.5);
  EXPECT_TRUE(c.is_constant());
  auto r = GuidanceSchedule::ramp(2, 6, 4.0, 6.0);
  EXPECT_EQ(r.at(0), 4.0);
  EXPECT_EQ(r.at(2), 4.0);
  EXPECT_DOUBLE_EQ(r.at(3), 4.5);
  EXPECT_EQ(r.at(6), 6.0);
  EXPECT_EQ(r.at(50), 6.0);
  EXPECT_FALSE(r.is_constant());
  // Fast-Track's shape: steps 1–6 4.5→6, steps 7–12 6→8.5, then 8.5 (0-based indices here).
  auto ft = GuidanceSchedule::piecewise({{0, 5, 4.5, 6.0}, {6, 11, 6.0, 8.5}});
  EXPECT_EQ(ft.at(0), 4.5);
  EXPECT_DOUBLE_EQ(ft.at(1), 4.8);
  EXPECT_EQ(ft.at(5), 6.0);
  EXPECT_EQ(ft.at(6), 6.0);
  EXPECT_DOUBLE_EQ(ft.at(8), 7.0);
  EXPECT_EQ(ft.at(11), 8.5);
  EXPECT_EQ(ft.at(20), 8.5);
  EXPECT_EQ(ft.describe(), "4.5->6@0-5, 6->8.5@6-11");
  auto gap = GuidanceSchedule::piecewise({{0, 2, 1.0, 3.0}, {6, 8, 5.0, 7.0}});
  EXPECT_EQ(gap.at(4), 3.0);  // holds the previous end value between segments
  EXPECT_THROW(GuidanceSchedule::piecewise({{0, 5, 1, 2}, {5, 8, 2, 3}}), ripen::Error);
  EXPECT_THROW(GuidanceSchedule::ramp(4, 2, 1, 2), ripen::Error);
  EXPECT_THROW(GuidanceSchedule::constant(std::nan("")), ripen::Error);
}

namespace {
// A fake network: returns uncond = a, cond = b per half; records the calls.
struct FakeNet {
  std::vector<std::pair<int64_t, CondBatch>> calls;
  std::vector<double> ts;
  ModelFn fn() {
    return [this](const at::Tensor& x_in, const at::Tensor& t, CondBatch which) {
      calls.emplace_back(x_in.size(0), which);
      ts.push_back(t[0].item<double>());
      if (which == CondBatch::CondOnly) return at::ones_like(x_in);
      int64_t b = x_in.size(0) / 2;
      return at::cat({at::zeros_like(x_in.narrow(0, 0, b)), at::ones_like(x_in.narrow(0, b, b))});
    };
  }
};
}  // namespace

TEST(CfgDenoiser, OneBatchUncondFirstAndSkipsUncondAtScaleOne) {
  auto sched = std::make_shared<DiscreteSchedule>(DiscreteSchedule::stable_diffusion());
  FakeNet net;
  CfgDenoiserOptions opt;
  opt.guidance = GuidanceSchedule::piecewise({{0, 0, 1.0, 1.0}, {1, 3, 3.0, 5.0}});
  CfgDenoiser d(net.fn(), sched, opt);
  at::Tensor x = at::full({2, 4, 3, 3}, 2.0, at::kFloat);
  double sigma = 3.0;
  at::Tensor d0 = d(x, sigma, 0);  // w = 1: one cond-only pass with batch 2, eps = 1
  EXPECT_TRUE(ripen::test::close_to(d0, x - sigma, 1e-6, 0));
  at::Tensor d2 = d(x, sigma, 2);  // w = 4: eps = 0 + 4·(1 − 0)
  EXPECT_TRUE(ripen::test::close_to(d2, x - 4 * sigma, 1e-6, 0));
  ASSERT_EQ(net.calls.size(), 2u);
  EXPECT_EQ(net.calls[0], (std::pair<int64_t, CondBatch>{2, CondBatch::CondOnly}));
  EXPECT_EQ(net.calls[1], (std::pair<int64_t, CondBatch>{4, CondBatch::UncondAndCond}));
  EXPECT_EQ(d.model_calls(), 2);
  EXPECT_EQ(d.model_samples(), 6);
  EXPECT_NEAR(net.ts[0], sched->sigma_to_t(sigma), 0);
  EXPECT_EQ(d.timestep(sigma, 0), sched->sigma_to_t(sigma));
}

TEST(CfgDenoiser, VPredictionScalingsAndRoundedTimesteps) {
  auto sched = std::make_shared<DiscreteSchedule>(DiscreteSchedule::stable_diffusion());
  FakeNet net;
  CfgDenoiserOptions opt;
  opt.prediction = Prediction::V;
  opt.timestep_mode = TimestepMode::Rounded;
  CfgDenoiser d(net.fn(), sched, opt);
  at::Tensor x = at::full({1, 2}, 1.5, at::kDouble);
  double s = 0.8;
  at::Tensor out = d(x, s, 0);  // v = 1
  EXPECT_TRUE(ripen::test::close_to(out, x / (s * s + 1) - s / std::sqrt(s * s + 1), 1e-12, 0));
  EXPECT_EQ(net.ts[0], std::round(sched->sigma_to_t(s)));
}

class DiffusersEulerReplay : public ::testing::TestWithParam<std::tuple<std::string, double, TimestepSpacing>> {};

TEST_P(DiffusersEulerReplay, EulerWithCfgReproducesLatents) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto [file, scale, spacing] = GetParam();
  auto st = ripen::SafeTensors::open((oracle / file).string());
  at::Tensor unet_out = st.tensor("unet_outputs");  // [steps, 2 (uncond, cond), 4, 32, 32]
  at::Tensor ac = scaled_linear_alphas_cumprod(BetaPrecision::DiffusersFloat32);
  auto ts = diffusers_euler_timesteps(ac, 4, spacing, 1);
  CfgDenoiserOptions opt;
  opt.guidance = GuidanceSchedule::constant(scale);
  opt.timestep_mode = TimestepMode::Table;
  opt.timestep_table = ts.timesteps;
  int step_seen = 0;
  ModelFn replay = [&](const at::Tensor& x_in, const at::Tensor& t, CondBatch which) {
    EXPECT_EQ(which, CondBatch::UncondAndCond);
    EXPECT_EQ(t[0].item<float>(), st.tensor("unet_timesteps")[step_seen].item<float>());
    return unet_out[step_seen++].to(x_in.options());
  };
  CfgDenoiser denoiser(replay, std::make_shared<DiscreteSchedule>(ac), opt);
  at::Tensor x = st.tensor("initial_noise") * ts.init_noise_sigma;
  SamplerContext ctx;
  std::vector<at::Tensor> xs;
  ctx.callback = [&](const StepInfo& s) { xs.push_back(s.x.clone()); };
  at::Tensor final = sample_euler(denoiser.as_denoiser(), x, ts.sigmas, ctx);
  at::Tensor after = st.tensor("latents_after_step");
  for (int i = 1; i < 4; ++i) EXPECT_TRUE(ripen::test::close_to(xs[i], after[i - 1], 1e-5, 1e-6)) << i;
  EXPECT_TRUE(ripen::test::close_to(final, st.tensor("final_latents"), 1e-5, 1e-6));
  EXPECT_EQ(denoiser.model_calls(), 4);
}
// With the table's σs given, a σ finds its timestep whatever the step index (an adaptive tail numbers its steps
// from 0), and a σ the table lacks gets the continuous t.
TEST(CfgDenoiser, TableTimestepsFollowTheSigma) {
  auto sched = std::make_shared<DiscreteSchedule>(DiscreteSchedule::stable_diffusion(BetaPrecision::DiffusersFloat32));
  auto ts = diffusers_euler_timesteps(sched->alphas_cumprod(), 4, TimestepSpacing::Trailing, 1);
  CfgDenoiserOptions opt;
  opt.timestep_mode = TimestepMode::Table;
  opt.timestep_table = ts.timesteps;
  opt.timestep_sigmas.assign(ts.sigmas.begin(), ts.sigmas.end() - 1);
  std::vector<float> seen;
  ModelFn net = [&](const at::Tensor& x_in, const at::Tensor& t, CondBatch) {
    seen.push_back(t[0].item<float>());
    return at::zeros_like(x_in);
  };
  CfgDenoiser d(net, sched, opt);
  const at::Tensor x = at::zeros({1, 4, 2, 2});
  d(x, ts.sigmas[2], 0);  // σ of step 2, asked as step 0
  d(x, 0.5 * (ts.sigmas[2] + ts.sigmas[3]), 0);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], float(ts.timesteps[2]));
  EXPECT_NEAR(seen[1], sched->sigma_to_t(0.5 * (ts.sigmas[2] + ts.sigmas[3])), 1e-3);
  EXPECT_NE(seen[1], float(ts.timesteps[0]));
}

INSTANTIATE_TEST_SUITE_P(
    Oracle, DiffusersEulerReplay,
    ::testing::Values(std::make_tuple("tiny-sd15/ref/pipeline_euler.safetensors", 7.5, TimestepSpacing::Linspace),
                      std::make_tuple("tiny-sdxl/ref/pipeline_euler.safetensors", 5.0, TimestepSpacing::Leading)));
