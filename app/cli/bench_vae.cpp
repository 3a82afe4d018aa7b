// bench sections "vae_decode" (whole image) and "vae_decode_tiled" (layer-by-layer tiles, the path for images whose
// whole decode does not fit; only when asked for): one full-size VAE decode of the bench image size (the VAE's own bench function).
#include "cli/bench_sections.h"
#include "bench/vae_bench.h"

namespace ripen::cli {
namespace {

nlohmann::json run_vae(const BenchSettings& s, const BenchPrecision& p, bool tiled) {
  if (s.width != s.height) return {{"skipped", "the VAE bench decodes square images only"}};
  const VaeConfig cfg = s.arch == "sdxl" ? VaeConfig::sdxl() : VaeConfig::sd();
  VaeBenchOptions o;
  o.image_size = s.width;
  o.dtype = p.dtype;
  o.device = s.device;
  o.repeats = s.iters;
  o.warmup = s.warmup;
  o.seed = s.seed;
  o.tiled = tiled;
  VaeBenchResult r = bench_vae_decode(cfg, o);
  nlohmann::json j{{"seconds", r.seconds}, {"batch", 1}};
  if (tiled) j["tile_latent_pixels"] = o.tiling.tile;
  return j;
}

RegisterBenchSection reg{"vae_decode", 20, [](const BenchSettings& s, const BenchPrecision& p, auto&) {
                           return run_vae(s, p, false);
                         }};
RegisterBenchSection reg_tiled{"vae_decode_tiled", 21, [](const BenchSettings& s, const BenchPrecision& p, auto&) {
                                 return run_vae(s, p, true);
                               },
                               /*on_request_only=*/true};

}  // namespace
}  // namespace ripen::cli
