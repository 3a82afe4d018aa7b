// bench section "vae_decode": one full-size VAE decode of the bench image size (the VAE's own bench function).
#include "cli/bench_sections.h"
#include "nets/vae_bench.h"

namespace ripen::cli {
namespace {

nlohmann::json run_vae(const BenchSettings& s, const BenchPrecision& p, std::map<std::string, at::Tensor>&) {
  if (s.width != s.height) return {{"skipped", "the VAE bench decodes square images only"}};
  const VaeConfig cfg = s.arch == "sdxl" ? VaeConfig::sdxl() : VaeConfig::sd();
  VaeBenchOptions o;
  o.image_size = s.width;
  o.dtype = p.dtype;
  o.device = s.device;
  o.repeats = s.iters;
  o.warmup = s.warmup;
  o.seed = s.seed;
  VaeBenchResult r = bench_vae_decode(cfg, o);
  return {{"seconds", r.seconds}, {"batch", 1}};
}

RegisterBenchSection reg{"vae_decode", 20, run_vae};

}  // namespace
}  // namespace ripen::cli
