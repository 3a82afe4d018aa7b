// Schedules against ../shared/oracle/samplers/schedules.safetensors (k-diffusion, diffusers, CompVis LDM) and the
// diffusers Euler runs of tiny-sd15 (linspace) and tiny-sdxl (leading).
#include <regex>

#include "common/test_common.h"
#include "tensors/error.h"
#include "sampling/schedules.h"
#include "tensors/safetensors.h"

using namespace ripen::sampling;

namespace {
at::Tensor f64(const std::vector<double>& v) { return at::tensor(v, at::kDouble); }
// Equal after rounding both to float32 (the fixtures are float32).
::testing::AssertionResult same_fp32(const at::Tensor& a, const at::Tensor& ref) {
  if (a.sizes() != ref.sizes()) return ::testing::AssertionFailure() << "shape " << a.sizes() << " vs " << ref.sizes();
  at::Tensor d = (a.to(at::kFloat).to(at::kDouble) - ref.to(at::kFloat).to(at::kDouble)).abs();
  double m = d.max().item<double>();
  if (m == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "max |diff| " << m << " at " << d.argmax().item<int64_t>();
}
}  // namespace

TEST(Schedules, KarrasAndExponentialMatchKDiffusion) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto st = ripen::SafeTensors::open((oracle / "samplers/schedules.safetensors").string());
  int checked = 0;
  std::regex re(R"(sigmas_(karras|exponential)_n(\d+)(?:_([0-9.]+)_([0-9.]+))?(_rho3)?)");
  for (const auto& key : st.keys()) {
    std::smatch m;
    if (!std::regex_match(key, m, re)) continue;
    int n = std::stoi(m[2]);
    double lo = m[3].matched ? std::stod(m[3]) : 0.0292, hi = m[4].matched ? std::stod(m[4]) : 14.6146;
    double rho = m[5].matched ? 3.0 : 7.0;
    auto mine = m[1] == "karras" ? karras_sigmas(n, lo, hi, rho) : exponential_sigmas(n, lo, hi);
    EXPECT_EQ(mine.back(), 0.0) << key;
    EXPECT_TRUE(same_fp32(f64(mine), st.tensor(key))) << key;
    ++checked;
  }
  EXPECT_EQ(checked, 13);
}

TEST(Schedules, ScaledLinearDiscreteScheduleBothWays) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto st = ripen::SafeTensors::open((oracle / "samplers/schedules.safetensors").string());
  at::Tensor ac_diff = scaled_linear_alphas_cumprod(BetaPrecision::DiffusersFloat32);
  EXPECT_EQ(ac_diff.scalar_type(), at::kFloat);
  EXPECT_TRUE(same_fp32(ac_diff, st.tensor("diffusers_alphas_cumprod")));
  EXPECT_TRUE(same_fp32(DiscreteSchedule(ac_diff).sigmas(), st.tensor("diffusers_sigmas")));

  at::Tensor betas64 = scaled_linear_betas(BetaPrecision::LdmFloat64);
  EXPECT_TRUE(at::equal(betas64, st.tensor("ldm_betas_float64")));
  at::Tensor ac64 = scaled_linear_alphas_cumprod(BetaPrecision::LdmFloat64);
  EXPECT_TRUE(at::equal(ac64, st.tensor("ldm_alphas_cumprod_float64")));
  auto ldm = DiscreteSchedule::stable_diffusion();
  EXPECT_TRUE(at::equal(ldm.alphas_cumprod(), st.tensor("ldm_alphas_cumprod_float32")));
  EXPECT_TRUE(at::equal(ldm.sigmas(), st.tensor("kdiffusion_sigmas_from_ldm")));
  // The two precisions differ by ~1e-5 relative (oracle Gotcha 10): they must not be mixed up.
  double rel = ((DiscreteSchedule(ac_diff).sigmas() - ldm.sigmas()).abs() / ldm.sigmas()).max().item<double>();
  EXPECT_GT(rel, 1e-6);
  EXPECT_LT(rel, 2e-5);
}

TEST(Schedules, DiscreteScheduleSigmaTMaps) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto st = ripen::SafeTensors::open((oracle / "samplers/schedules.safetensors").string());
  auto ldm = DiscreteSchedule::stable_diffusion();
  EXPECT_TRUE(same_fp32(f64(ldm.get_sigmas(10)), st.tensor("kdiffusion_get_sigmas_n10")));

  at::Tensor karras = st.tensor("sigmas_karras_n10").narrow(0, 0, 10);
  at::Tensor ref_t = st.tensor("kdiffusion_sigma_to_t_of_karras_n10");
  EXPECT_TRUE(same_fp32(ldm.sigma_to_t(karras), ref_t));
  for (int i = 0; i < 10; ++i)  // the scalar form agrees with the tensor form
    EXPECT_EQ(float(ldm.sigma_to_t(karras[i].item<double>())), ref_t[i].item<float>()) << i;

  at::Tensor t = at::arange(0, 999.5, 0.5, at::kFloat);
  EXPECT_TRUE(same_fp32(ldm.t_to_sigma(t), st.tensor("kdiffusion_t_to_sigma_of_0_to_999_step_0.5")));
  EXPECT_NEAR(ldm.t_to_sigma(999.0), ldm.sigma_max(), 1e-6 * ldm.sigma_max());  // exp(log σ) in float32
  EXPECT_THROW(ldm.t_to_sigma(999.5), ripen::Error);
  // Round trip at the table's own points, and quantized t is the nearest integer.
  for (int tt : {0, 1, 250, 500, 998}) {
    EXPECT_NEAR(ldm.sigma_to_t(ldm.t_to_sigma(double(tt))), tt, 1e-3);
    EXPECT_EQ(ldm.sigma_to_t(ldm.t_to_sigma(tt + 0.2), true), tt);
  }
}

TEST(Schedules, MakeSigmasNamesAndErrors) {
  auto ldm = DiscreteSchedule::stable_diffusion();
  for (const auto& name : schedule_names()) {
    auto s = make_sigmas(name, 8, ldm);
    ASSERT_EQ(s.size(), 9u) << name;  // ddim_uniform and beta may differ at other counts (test_schedules_wave2)
    EXPECT_EQ(s.back(), 0.0);
    for (size_t i = 0; i + 1 < s.size(); ++i) EXPECT_GT(s[i], s[i + 1]) << name << " " << i;
    if (name == "leading" || name == "ddim_uniform")  // DDIM's grid starts below the top of the table
      EXPECT_LT(s.front(), 0.6 * ldm.sigma_max()) << name;
    else
      EXPECT_NEAR(s.front(), ldm.sigma_max(), 1e-4 * ldm.sigma_max()) << name;
  }
  EXPECT_THROW(make_sigmas("cosine", 8, ldm), ripen::Error);
  EXPECT_THROW(karras_sigmas(0, 0.1, 10), ripen::Error);
}

TEST(Schedules, DiffusersEulerTimestepsMatchOraclePipelines) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  struct Case {
    const char* file;
    TimestepSpacing spacing;
  } cases[] = {{"tiny-sd15/ref/pipeline_euler.safetensors", TimestepSpacing::Linspace},
               {"tiny-sdxl/ref/pipeline_euler.safetensors", TimestepSpacing::Leading}};
  at::Tensor ac = scaled_linear_alphas_cumprod(BetaPrecision::DiffusersFloat32);
  for (const auto& c : cases) {
    auto st = ripen::SafeTensors::open((oracle / c.file).string());
    auto ts = diffusers_euler_timesteps(ac, 4, c.spacing, 1);
    EXPECT_TRUE(same_fp32(f64(ts.timesteps), st.tensor("timesteps"))) << c.file;
    EXPECT_TRUE(same_fp32(f64(ts.sigmas), st.tensor("sigmas"))) << c.file;
    EXPECT_EQ(float(ts.init_noise_sigma), st.tensor("init_noise_sigma").item<float>()) << c.file;
  }
}

TEST(Schedules, DiffusersSpacingsLikeNumpy) {
  at::Tensor ac = scaled_linear_alphas_cumprod(BetaPrecision::DiffusersFloat32);
  // Expected values printed by numpy 1.24 with diffusers v0.30.3's formulas.
  EXPECT_EQ(diffusers_euler_timesteps(ac, 7, TimestepSpacing::Linspace).timesteps,
            (std::vector<double>{999.0, 832.5, 666.0, 499.5, 333.0, 166.5, 0.0}));
  auto lin30 = diffusers_euler_timesteps(ac, 30, TimestepSpacing::Linspace).timesteps;
  EXPECT_EQ(std::vector<double>(lin30.begin(), lin30.begin() + 6),
            (std::vector<double>{999.0, 964.5516967773438, 930.1034545898438, 895.6551513671875, 861.2069091796875,
                                 826.7586059570312}));
  EXPECT_EQ(diffusers_euler_timesteps(ac, 3, TimestepSpacing::Trailing).timesteps,
            (std::vector<double>{999, 666, 332}));
  EXPECT_EQ(diffusers_euler_timesteps(ac, 7, TimestepSpacing::Trailing).timesteps,
            (std::vector<double>{999, 856, 713, 570, 428, 285, 142}));
  auto tr30 = diffusers_euler_timesteps(ac, 30, TimestepSpacing::Trailing).timesteps;
  ASSERT_EQ(tr30.size(), 30u);
  EXPECT_EQ(tr30[1], 966);
  EXPECT_EQ(tr30[29], 32);
  EXPECT_EQ(diffusers_euler_timesteps(ac, 4, TimestepSpacing::Leading, 1).timesteps,
            (std::vector<double>{751, 501, 251, 1}));
  auto t = diffusers_euler_timesteps(ac, 4, TimestepSpacing::Trailing);
  EXPECT_EQ(t.timesteps, (std::vector<double>{999, 749, 499, 249}));
  EXPECT_EQ(t.init_noise_sigma, t.sigmas.front());
  EXPECT_EQ(timestep_spacing_from_string("leading"), TimestepSpacing::Leading);
  EXPECT_THROW(timestep_spacing_from_string("cosine"), ripen::Error);
}
