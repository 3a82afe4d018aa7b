// The schedule registry against ../shared/oracle/wave2/schedules (diffusers v0.30.3 EulerDiscreteScheduler and
// LCMScheduler, ComfyUI a125cd84's calculate_sigmas), all on tiny-sd15's scheduler config: within 1e-6 relative.
#include <cmath>

#include "common/test_common.h"
#include "sampling/schedules.h"
#include "tensors/error.h"
#include "tensors/json_file.h"

using namespace ripen::sampling;

namespace {
::testing::AssertionResult within_rel(const std::vector<double>& got, const std::vector<double>& ref, double rel) {
  if (got.size() != ref.size())
    return ::testing::AssertionFailure() << got.size() << " values, expected " << ref.size();
  for (size_t i = 0; i < ref.size(); ++i) {
    const double tol = rel * std::abs(ref[i]);
    if (!(std::abs(got[i] - ref[i]) <= tol))
      return ::testing::AssertionFailure() << "at " << i << ": " << got[i] << " vs " << ref[i];
  }
  return ::testing::AssertionSuccess();
}

struct Wave2 {
  nlohmann::json refs;
  TrainingNoise noise;
};
Wave2 load(const std::filesystem::path& oracle) {
  Wave2 w{ripen::read_json_file(oracle / "wave2/schedules/schedules.json"), {}};
  w.noise = TrainingNoise::from_scheduler_config(w.refs["scheduler_config"], "schedules.json");
  return w;
}
}  // namespace

TEST(SchedulesWave2, DiffusersSpacingsGiveEulerTimestepsSigmasAndInitNoise) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const Wave2 w = load(oracle);
  const auto model = DiscreteSchedule::from_training(w.noise, TableConvention::Diffusers);
  int checked = 0;
  for (const char* spacing : {"linspace", "leading", "trailing"})
    for (int n : {1, 2, 4, 8, 25}) {
      SCOPED_TRACE(std::string(spacing) + " n" + std::to_string(n));
      const auto& ref = w.refs[std::string("euler.") + spacing + ".n" + std::to_string(n)];
      Schedule s = make_schedule(spacing, n, model);
      EXPECT_TRUE(within_rel(s.timesteps, ref["timesteps"].get<std::vector<double>>(), 1e-6));
      EXPECT_TRUE(within_rel(s.sigmas, ref["sigmas"].get<std::vector<double>>(), 1e-6));
      EXPECT_TRUE(within_rel({s.init_noise_sigma}, {ref["init_noise_sigma"].get<double>()}, 1e-6));
      ++checked;
    }
  EXPECT_EQ(checked, 15);
}

TEST(SchedulesWave2, ComfySchedulersOnComfysTable) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const Wave2 w = load(oracle);
  const auto comfy = DiscreteSchedule::from_training(w.noise, TableConvention::ComfyUI);
  EXPECT_TRUE(within_rel({comfy.sigma_min(), comfy.sigma_max()},
                         {w.refs["model_sigma_min"].get<double>(), w.refs["model_sigma_max"].get<double>()}, 1e-7));
  // A table in another convention is measurably off (1.3e-5 near t = 0), so the test can tell them apart.
  const auto diffusers = DiscreteSchedule::from_training(w.noise, TableConvention::Diffusers);
  EXPECT_FALSE(within_rel({diffusers.sigma_min()}, {w.refs["model_sigma_min"].get<double>()}, 1e-6));
  for (const char* name : {"normal", "karras", "exponential", "sgm_uniform", "simple", "ddim_uniform", "beta"})
    for (int n : {4, 8, 20}) {
      SCOPED_TRACE(std::string(name) + " n" + std::to_string(n));
      const auto ref = w.refs[std::string("comfy.") + name + ".n" + std::to_string(n)].get<std::vector<double>>();
      EXPECT_TRUE(within_rel(make_schedule(name, n, comfy).sigmas, ref, 1e-6));
    }
  // The schedules ComfyUI defines on its own table give ComfyUI's values whatever table the model keeps.
  for (const char* name : {"normal", "sgm_uniform", "simple", "ddim_uniform", "beta"}) {
    const auto ref = w.refs[std::string("comfy.") + name + ".n8"].get<std::vector<double>>();
    EXPECT_TRUE(within_rel(make_schedule(name, 8, diffusers).sigmas, ref, 1e-6)) << name;
  }
}

TEST(SchedulesWave2, LcmTimestepsFromTheOriginGrid) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const Wave2 w = load(oracle);
  EXPECT_EQ(w.noise.original_inference_steps, 50);
  const auto model = DiscreteSchedule::from_training(w.noise, TableConvention::Diffusers);
  const at::Tensor ac = training_alphas_cumprod(w.noise, TableConvention::Diffusers);
  for (const char* strength : {"1.0", "0.6"})
    for (int n : {1, 2, 4, 8}) {
      SCOPED_TRACE(std::string("strength ") + strength + " n" + std::to_string(n));
      const auto& ref = w.refs[std::string("lcm.orig50.strength") + strength + ".n" + std::to_string(n)];
      Schedule s = make_schedule("lcm", n, model, {7.0, std::stod(strength)});
      const auto ts = ref["timesteps"].get<std::vector<double>>();
      EXPECT_EQ(s.timesteps, ts);
      ASSERT_EQ(s.sigmas.size(), ts.size() + 1);
      EXPECT_EQ(s.sigmas.back(), 0.0);
      for (size_t i = 0; i < ts.size(); ++i) {  // σ of ᾱ_t on diffusers' table
        const double a = ac[int64_t(ts[i])].item<double>();
        EXPECT_NEAR(s.sigmas[i], std::sqrt((1 - a) / a), 1e-6 * s.sigmas[i]);
      }
    }
  EXPECT_THROW(make_schedule("lcm", 51, model), ripen::Error);  // more steps than the origin grid has
  EXPECT_THROW(lcm_timesteps(4, 1000, 0), ripen::Error);
}

TEST(SchedulesWave2, StrengthKeepsTheLastPartAsImg2ImgDoes) {
  const auto model = DiscreteSchedule::from_training({}, TableConvention::Diffusers);
  Schedule full = make_schedule("linspace", 10, model);
  Schedule part = make_schedule("linspace", 10, model, {7.0, 0.55});  // int(5.5) = 5 steps
  ASSERT_EQ(part.steps(), 5);
  EXPECT_EQ(std::vector<double>(full.sigmas.end() - 6, full.sigmas.end()), part.sigmas);
  EXPECT_EQ(std::vector<double>(full.timesteps.end() - 5, full.timesteps.end()), part.timesteps);
  EXPECT_EQ(part.init_noise_sigma, part.sigmas.front());
  EXPECT_THROW(make_schedule("karras", 10, model, {7.0, 0.05}), ripen::Error);  // no step left
  EXPECT_THROW(make_schedule("karras", 10, model, {7.0, 1.5}), ripen::Error);
}

TEST(SchedulesWave2, BetaPpfAgreesWithKnownValues) {
  // The uniform and arcsine cases have closed forms: B(1,1) is uniform; B(½,½) has F(x) = (2/π)·asin(√x).
  for (double p : {0.1, 0.25, 0.5, 0.9}) {
    EXPECT_NEAR(beta_ppf(p, 1, 1), p, 1e-14);
    EXPECT_NEAR(beta_ppf(p, 0.5, 0.5), std::pow(std::sin(p * M_PI / 2), 2), 1e-13);
  }
  EXPECT_NEAR(beta_ppf(0.5, 0.6, 0.6), 0.5, 1e-14);  // symmetric
  EXPECT_EQ(beta_ppf(0, 0.6, 0.6), 0.0);
  EXPECT_EQ(beta_ppf(1, 0.6, 0.6), 1.0);
  EXPECT_THROW(beta_ppf(1.5, 0.6, 0.6), ripen::Error);
}

TEST(SchedulesWave2, SchedulerConfigRefusalsNameTheKey) {
  auto message = [](const nlohmann::json& j) {
    try {
      TrainingNoise::from_scheduler_config(j, "cfg.json");
    } catch (const ripen::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message({{"beta_schedule", "squaredcos_cap_v2"}}).find("beta_schedule"), std::string::npos);
  EXPECT_NE(message({{"steps_offset", "one"}}).find("steps_offset"), std::string::npos);
  EXPECT_NE(message({{"timestep_spacing", "cosine"}}).find("cosine"), std::string::npos);
  EXPECT_NE(message({{"original_inference_steps", 0}}).find("original_inference_steps"), std::string::npos);
  EXPECT_NE(message({{"trained_betas", {0.1, 0.2}}}).find("trained_betas"), std::string::npos);
  EXPECT_NE(message(nlohmann::json::array()).find("cfg.json"), std::string::npos);
  // rescale_betas_zero_snr: ᾱ_T clamped to 2^-24 as diffusers does, so σ_max is large but finite.
  TrainingNoise zsnr;
  zsnr.rescale_betas_zero_snr = true;
  const auto table = DiscreteSchedule::from_training(zsnr, TableConvention::Diffusers);
  EXPECT_NEAR(table.sigma_max(), std::sqrt((1 - std::ldexp(1.0, -24)) / std::ldexp(1.0, -24)), 1.0);
  EXPECT_TRUE(std::isfinite(make_schedule("trailing", 4, table).sigmas.front()));
}
