// Every sampler against k-diffusion trajectories on the oracle's analytic Gaussian-mixture denoiser (float64):
// ../shared/oracle/samplers/trajectories_*.safetensors and, for dpmpp_2m_sde, data/kdiffusion_extra.safetensors.
#include <nlohmann/json.hpp>


#include "common/test_common.h"
#include "tensors/error.h"
#include "tensors/json_file.h"
#include "sampling/gmm_denoiser.h"
#include "sampling/noise.h"
#include "sampling/sampler.h"
#include "tensors/safetensors.h"

using namespace ripen::sampling;
using ripen::test::close_to;

namespace {
const std::string kData = RIPEN_SAMPLING_TEST_DATA;

std::vector<double> to_vec(const at::Tensor& t) {
  at::Tensor d = t.to(at::kDouble).contiguous();
  return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}

struct Trajectory {
  at::Tensor final, callback_x;
  int64_t model_calls = 0, noise_calls = 0;
};

Trajectory run_sampler(const std::string& name, const GaussianMixtureDenoiser& gmm, const at::Tensor& x_init,
        const std::vector<double>& sigmas, const at::Tensor& noise_bank, SamplerParams params = {}) {
  SamplerContext ctx;
  Trajectory r;
  if (noise_bank.defined()) {
    auto replay = replay_noise_sampler(noise_bank, noise_bank.options());
    ctx.noise = [&r, replay](double a, double b) {
      ++r.noise_calls;
      return replay(a, b);
    };
  }
  std::vector<at::Tensor> xs;
  ctx.callback = [&](const StepInfo& s) { xs.push_back(s.x.clone()); };
  r.final = sampler_by_name(name).fn(gmm.as_denoiser(), x_init.clone(), sigmas, ctx, params);
  r.callback_x = at::stack(xs);
  r.model_calls = ctx.model_calls;
  return r;
}

nlohmann::json denoiser_json(const std::filesystem::path& oracle) {
  return ripen::read_json_file(oracle / "samplers/denoiser.json");
}
}  // namespace

TEST(MixtureDenoiser, MatchesOracleProbes) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto gmm = GaussianMixtureDenoiser::load((oracle / "samplers/denoiser.safetensors").string());
  auto st = ripen::SafeTensors::open((oracle / "samplers/denoiser.safetensors").string());
  at::Tensor x = st.tensor("probe_x"), ref = st.tensor("probe_D"), sig = st.tensor("probe_sigmas");
  for (int i = 0; i < sig.size(0); ++i) EXPECT_TRUE(close_to(gmm(x, sig[i].item<double>()), ref[i], 1e-12, 1e-14)) << i;
  // Unbatched input gives the same as a batch of one.
  EXPECT_TRUE(close_to(gmm(x[0], 0.5), gmm(x, 0.5)[0], 0, 0));
}

TEST(MixtureDenoiser, PerElementStdDevsAndBatch) {
  auto st = ripen::SafeTensors::open(kData + "/kdiffusion_extra.safetensors");
  GaussianMixtureDenoiser gmm{st.tensor("gmm_elem.w"), st.tensor("gmm_elem.s"), st.tensor("gmm_elem.mu")};
  at::Tensor x = st.tensor("gmm_elem.probe_x"), sig = st.tensor("gmm_elem.probe_sigmas");
  for (int i = 0; i < sig.size(0); ++i) {
    at::Tensor ref = st.tensor("gmm_elem.D_" + std::to_string(i));
    EXPECT_TRUE(close_to(gmm(x, sig[i].item<double>()), ref, 1e-12, 1e-14)) << i;
    // Posterior per sample: each batch row alone gives the same answer.
    EXPECT_TRUE(close_to(gmm(x.narrow(0, 1, 1), sig[i].item<double>()), ref.narrow(0, 1, 1), 1e-14, 0)) << i;
  }
}

class KDiffusionTrajectories : public ::testing::TestWithParam<std::string> {};

TEST_P(KDiffusionTrajectories, EverySamplerMatches) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const std::string sched = GetParam();
  auto gmm = GaussianMixtureDenoiser::load((oracle / "samplers/denoiser.safetensors").string());
  auto st = ripen::SafeTensors::open((oracle / ("samplers/trajectories_" + sched + ".safetensors")).string());
  auto info = denoiser_json(oracle)["samplers"];
  auto sigmas = to_vec(st.tensor("sigmas"));
  at::Tensor x_init = st.tensor("x_init");
  for (std::string name : {"euler", "euler_ancestral", "heun", "dpm_2", "dpmpp_2m", "dpmpp_2s_ancestral", "dpmpp_sde", "lcm"}) {
    SCOPED_TRACE(sched + "/" + name);
    at::Tensor bank = st.contains(name + ".noise_used") ? st.tensor(name + ".noise_used") : at::Tensor();
    Trajectory r = run_sampler(name, gmm, x_init, sigmas, bank);
    EXPECT_TRUE(close_to(r.final, st.tensor(name + ".final"), 1e-10, 1e-12));
    EXPECT_TRUE(close_to(r.callback_x, st.tensor(name + ".callback_x"), 1e-10, 1e-12));
    const auto& j = info[sched + "/" + name];
    EXPECT_EQ(r.model_calls, j["model_calls"].get<int64_t>());
    EXPECT_EQ(r.noise_calls, j.value("noise_calls", int64_t(0)));
  }
  // DDIM in σ form: eta 0 is euler, eta 1 is euler_ancestral (same noise).
  Trajectory d0 = run_sampler("ddim", gmm, x_init, sigmas, {});
  EXPECT_TRUE(close_to(d0.final, st.tensor("euler.final"), 1e-10, 1e-12));
  SamplerParams eta1;
  eta1.eta = 1.0;
  Trajectory d1 = run_sampler("ddim", gmm, x_init, sigmas, st.tensor("euler_ancestral.noise_used"), eta1);
  EXPECT_TRUE(close_to(d1.final, st.tensor("euler_ancestral.final"), 1e-10, 1e-12));
  EXPECT_TRUE(close_to(d1.callback_x, st.tensor("euler_ancestral.callback_x"), 1e-10, 1e-12));
}
INSTANTIATE_TEST_SUITE_P(Oracle, KDiffusionTrajectories, ::testing::Values("karras_n10", "exponential_n10"));

TEST(Samplers, DpmppTwoMSdeMatchesKDiffusion) {
  auto st = ripen::SafeTensors::open(kData + "/kdiffusion_extra.safetensors");
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto gmm = GaussianMixtureDenoiser::load((oracle / "samplers/denoiser.safetensors").string());
  auto sigmas = to_vec(st.tensor("sigmas"));
  struct Case {
    std::string key, sampler;
    SolverType solver;
    double eta;
  } cases[] = {{"dpmpp_2m_sde_midpoint_eta1.0", "dpmpp_2m_sde", SolverType::Midpoint, 1.0},
               {"dpmpp_2m_sde_heun_eta1.0", "dpmpp_2m_sde_heun", SolverType::Midpoint, 1.0},
               {"dpmpp_2m_sde_heun_eta1.0", "dpmpp_2m_sde", SolverType::Heun, 1.0},
               {"dpmpp_2m_sde_midpoint_eta0.5", "dpmpp_2m_sde", SolverType::Midpoint, 0.5}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.key + " via " + c.sampler);
    SamplerParams p;
    p.eta = c.eta;
    p.solver_type = c.solver;
    Trajectory r = run_sampler(c.sampler, gmm, st.tensor("x_init"), sigmas, st.tensor(c.key + ".noise_used"), p);
    EXPECT_TRUE(close_to(r.final, st.tensor(c.key + ".final"), 1e-10, 1e-12));
    EXPECT_TRUE(close_to(r.callback_x, st.tensor(c.key + ".callback_x"), 1e-10, 1e-12));
    EXPECT_EQ(r.noise_calls, st.tensor(c.key + ".noise_used").size(0));
  }
}

TEST(Samplers, SlicesWithSharedHistoryEqualOneRun) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto gmm = GaussianMixtureDenoiser::load((oracle / "samplers/denoiser.safetensors").string());
  auto st = ripen::SafeTensors::open((oracle / "samplers/trajectories_karras_n10.safetensors").string());
  auto sigmas = to_vec(st.tensor("sigmas"));
  std::span<const double> all(sigmas);
  for (std::string name : {"dpmpp_2m", "dpmpp_2m_sde"}) {
    SCOPED_TRACE(name);
    auto bank = at::randn({16, 1, 4, 8, 8}, at::kDouble);
    SamplerContext whole;
    whole.noise = replay_noise_sampler(bank, bank.options());
    at::Tensor full = sampler_by_name(name).fn(gmm.as_denoiser(), st.tensor("x_init"), all, whole, {});

    MultistepHistory history;
    SamplerContext ctx;
    ctx.noise = replay_noise_sampler(bank, bank.options());
    ctx.history = &history;
    std::vector<int> steps_seen;
    ctx.callback = [&](const StepInfo& s) { steps_seen.push_back(s.step); };
    at::Tensor x = sampler_by_name(name).fn(gmm.as_denoiser(), st.tensor("x_init"), all.subspan(0, 5), ctx, {});
    ctx.step_offset = 4;
    x = sampler_by_name(name).fn(gmm.as_denoiser(), x, all.subspan(4), ctx, {});
    EXPECT_TRUE(close_to(x, full, 1e-14, 0));
    EXPECT_EQ(steps_seen, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));

    // A fresh history (sampler switch) restarts with a first-order step: different, and equal to a clean run.
    SamplerContext a, b;
    a.noise = replay_noise_sampler(bank, bank.options());
    b.noise = replay_noise_sampler(bank, bank.options());
    at::Tensor mid = sampler_by_name(name).fn(gmm.as_denoiser(), st.tensor("x_init"), all.subspan(0, 5), a, {});
    at::Tensor reset = sampler_by_name(name).fn(gmm.as_denoiser(), mid, all.subspan(4), a, {});
    std::vector<double> tail(sigmas.begin() + 4, sigmas.end());
    b.noise = replay_noise_sampler(bank.narrow(0, 4, 12), bank.options());
    EXPECT_FALSE(close_to(reset, full, 1e-8, 0));
    EXPECT_TRUE(close_to(reset, sampler_by_name(name).fn(gmm.as_denoiser(), mid, tail, b, {}), 0, 0));
  }
}

TEST(Samplers, CancelStopsBeforeTheNextModelCall) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto gmm = GaussianMixtureDenoiser::load((oracle / "samplers/denoiser.safetensors").string());
  auto st = ripen::SafeTensors::open((oracle / "samplers/trajectories_karras_n10.safetensors").string());
  auto sigmas = to_vec(st.tensor("sigmas"));
  for (const auto& name : sampler_names()) {
    SCOPED_TRACE(name);
    std::atomic<bool> cancel{false};
    SamplerContext ctx;
    ctx.cancel = &cancel;
    ctx.noise = [](double, double) { return at::zeros({1, 4, 8, 8}, at::kDouble); };
    int last_step = -1;
    ctx.callback = [&](const StepInfo& s) {
      last_step = s.step;
      if (s.step == 3) cancel = true;
    };
    EXPECT_THROW(sampler_by_name(name).fn(gmm.as_denoiser(), st.tensor("x_init"), sigmas, ctx, {}), Cancelled);
    EXPECT_EQ(last_step, 3);
    EXPECT_LE(ctx.model_calls, 4 * sampler_by_name(name).evals_per_step);
  }
}

TEST(Samplers, RegistryAndErrors) {
  auto names = sampler_names();
  for (std::string n : {"euler", "euler_ancestral", "heun", "dpm_2", "dpmpp_2m", "dpmpp_2s_ancestral", "dpmpp_sde",
                        "dpmpp_2m_sde", "lcm", "ddim"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  try {
    sampler_by_name("plms");
    FAIL();
  } catch (const ripen::Error& e) {
    EXPECT_NE(std::string(e.what()).find("dpmpp_2m"), std::string::npos);
  }
  // A stochastic sampler without a noise source says so.
  SamplerContext ctx;
  auto identity = [](const at::Tensor& x, double, int) { return x * 0.5; };
  std::vector<double> sig{2.0, 1.0, 0.0};
  EXPECT_THROW(sample_euler_ancestral(identity, at::ones({1, 2}), sig, ctx), ripen::Error);
  // An empty or single-σ slice is a no-op.
  EXPECT_TRUE(at::equal(sample_dpmpp_2m(identity, at::ones({1, 2}), std::span<const double>(sig).subspan(0, 1), ctx),
                        at::ones({1, 2})));
}

TEST(Samplers, Float32RunStaysWithinOneEMinusFiveOfFloat64) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto gmm = GaussianMixtureDenoiser::load((oracle / "samplers/denoiser.safetensors").string());
  auto st = ripen::SafeTensors::open((oracle / "samplers/trajectories_karras_n10.safetensors").string());
  auto sigmas = to_vec(st.tensor("sigmas"));
  Denoiser d32 = [&](const at::Tensor& x, double s, int) { return gmm(x, s).to(at::kFloat); };
  for (std::string name : {"euler", "heun", "dpmpp_2m"}) {
    SamplerContext ctx;
    at::Tensor out = sampler_by_name(name).fn(d32, st.tensor("x_init").to(at::kFloat), sigmas, ctx, {});
    EXPECT_EQ(out.scalar_type(), at::kFloat);
    EXPECT_TRUE(close_to(out.to(at::kDouble), st.tensor(name + ".final"), 1e-5, 0)) << name;
  }
}
