// bench section "preview": what a step preview costs at the bench's size (design.md: under 5% of a step) —
// the latent→RGB map every step and a TAESD decode (random weights) of the first image, shrunk to 128 px; with the
// "unet" section's time per evaluation, each as a fraction of one quality-mode step (one CFG evaluation) and the
// step interval the pipeline's automatic TAESD schedule settles on (PipelineOptions::taesd_budget).
#include <cmath>

#include "cli/bench_sections.h"
#include "bench/pipeline_bench.h"

namespace ripen::cli {
namespace {

nlohmann::json run_preview(const BenchSettings& s, const BenchPrecision& p, std::map<std::string, at::Tensor>& shared) {
  const int preview_size = PipelineOptions{}.preview_size;
  TaesdPreviewCost c = measure_taesd_preview(s.height / 8, s.width / 8, preview_size, s.device, 3);
  nlohmann::json j{{"latent_rgb_seconds", c.linear_seconds}, {"taesd_seconds", c.taesd_seconds},
                   {"preview_size", preview_size}};
  auto it = shared.find("unet.seconds_per_eval." + p.name);
  if (it != shared.end()) {
    const double step = it->second.item<double>(), budget = PipelineOptions{}.taesd_budget;
    j["unet_seconds_per_eval"] = step;
    j["latent_rgb_fraction_of_step"] = c.linear_seconds / step;
    j["taesd_fraction_of_step"] = c.taesd_seconds / step;
    j["taesd_auto_every_steps"] = std::max(1.0, std::ceil(c.taesd_seconds / (budget * step)));
  }
  return j;
}

RegisterBenchSection reg{"preview", 31, run_preview};

}  // namespace
}  // namespace ripen::cli
