#include "sampling/sampler.h"
#include "tensors/error.h"

namespace ripen::sampling {
namespace {
const std::vector<SamplerInfo>& registry() {
  static const std::vector<SamplerInfo> table = {
      // name                 function                   stochastic multistep evals/step
      {"euler", sample_euler, false, false, 1},
      {"euler_ancestral", sample_euler_ancestral, true, false, 1},
      {"heun", sample_heun, false, false, 2},
      {"dpm_2", sample_dpm_2, false, false, 2},
      {"dpmpp_2m", sample_dpmpp_2m, false, true, 1},
      {"dpmpp_2s_ancestral", sample_dpmpp_2s_ancestral, true, false, 2},
      {"dpmpp_sde", sample_dpmpp_sde, true, false, 2},
      {"dpmpp_2m_sde", sample_dpmpp_2m_sde, true, true, 1},
      {"dpmpp_2m_sde_heun",
       [](const Denoiser& m, at::Tensor x, std::span<const double> s, SamplerContext& c, const SamplerParams& p) {
         SamplerParams q = p;
         q.solver_type = SolverType::Heun;
         return sample_dpmpp_2m_sde(m, std::move(x), s, c, q);
       },
       true, true, 1},
      {"lcm", sample_lcm, true, false, 1},
      {"ddim", sample_ddim, false, false, 1},
  };
  return table;
}
}  // namespace

const SamplerInfo& sampler_by_name(const std::string& name) {
  for (const auto& info : registry())
    if (info.name == name) return info;
  throw Error("unknown sampler '" + name + "' (available: " + joined_names(sampler_names()) + ")");
}

std::vector<std::string> sampler_names() {
  std::vector<std::string> out;
  for (const auto& info : registry()) out.push_back(info.name);
  return out;
}

bool is_sampler_name(const std::string& name) {
  for (const auto& info : registry())
    if (info.name == name) return true;
  return false;
}

}  // namespace ripen::sampling
