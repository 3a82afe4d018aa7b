// ripen-cli eval --component sampler: runs one sampler in float64 on the analytic Gaussian-mixture denoiser, so a
// reference implementation can be compared from outside the process.
//   --sampler NAME [--eta E] [--s-noise S] [--r R] [--solver-type midpoint|heun]
//   --denoiser D.safetensors (w, s, mu)  --inputs IN.safetensors (sigmas, x_init[, noise_used])  --output OUT
// The i-th noise call gets noise_used[i] (extra entries are ignored). OUT holds `final` and `callback_x`
// (x at the start of each step, stacked); stdout gets one JSON line with the call counts.
#include <cmath>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "sampling/gmm_denoiser.h"
#include "sampling/noise.h"
#include "sampling/sampler.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

namespace ripen::cli {
namespace {
int eval_sampler(Args& args) {
  using namespace ripen::sampling;
  const std::string name = args.require("--sampler");
  const std::string denoiser_path = args.require("--denoiser");
  const std::string inputs_path = args.require("--inputs");
  const std::string output_path = args.require("--output");
  SamplerParams params;
  if (double eta = args.get_double("--eta", NAN); !std::isnan(eta)) params.eta = eta;
  params.s_noise = args.get_double("--s-noise", params.s_noise);
  params.r = args.get_double("--r", params.r);
  const std::string solver = args.get_or("--solver-type", "midpoint");
  if (solver != "midpoint" && solver != "heun") throw UsageError{"--solver-type must be midpoint or heun"};
  params.solver_type = solver == "heun" ? SolverType::Heun : SolverType::Midpoint;
  args.finish();

  const SamplerInfo* info = nullptr;
  try {
    info = &sampler_by_name(name);
  } catch (const ripen::Error& e) {
    throw UsageError{e.what()};
  }
  auto denoiser = GaussianMixtureDenoiser::load(denoiser_path);
  auto in = SafeTensors::open(inputs_path);
  for (const char* key : {"sigmas", "x_init"})
    if (!in.contains(key)) throw ripen::Error(inputs_path + ": missing tensor '" + key + "'");
  const auto f64 = at::TensorOptions().dtype(at::kDouble);
  at::Tensor sig_t = in.tensor("sigmas", f64).contiguous();
  std::vector<double> sigmas(sig_t.data_ptr<double>(), sig_t.data_ptr<double>() + sig_t.numel());

  SamplerContext ctx;
  int64_t noise_calls = 0;
  if (in.contains("noise_used")) {
    auto replay = replay_noise_sampler(in.tensor("noise_used", f64), f64);
    ctx.noise = [&, replay](double a, double b) {
      ++noise_calls;
      return replay(a, b);
    };
  }
  std::vector<at::Tensor> xs;
  ctx.callback = [&](const StepInfo& s) { xs.push_back(s.x.clone()); };
  at::Tensor final = info->fn(denoiser.as_denoiser(), in.tensor("x_init", f64).clone(), sigmas, ctx, params);
  std::map<std::string, at::Tensor> out{{"final", final}};
  if (!xs.empty()) out["callback_x"] = at::stack(xs);
  save_safetensors(output_path, out, {{"sampler", name}});
  std::cout << nlohmann::json{{"sampler", name}, {"steps", xs.size()}, {"model_calls", ctx.model_calls},
                              {"noise_calls", noise_calls}}
                   .dump()
            << "\n";
  return 0;
}
RegisterEvalComponent reg{"sampler", eval_sampler};
}  // namespace
}  // namespace ripen::cli
