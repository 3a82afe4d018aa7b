// bench sections of the pipeline:
//  "step_overhead": sampler + preview seconds per step at the bench's size (no network), and its fraction of one
//                   UNet evaluation when the "unet" section ran before;
//  "end_to_end":    each preset on a real model (RIPEN_BENCH_MODEL=PATH; skipped otherwise, as bench runs on
//                   random weights and a full preset run on them would take many minutes on a CPU).
#include <cstdlib>

#include "cli/bench_sections.h"
#include "bench/pipeline_bench.h"
#include "models/model.h"

namespace ripen::cli {
namespace {

nlohmann::json run_overhead(const BenchSettings& s, const BenchPrecision& p, std::map<std::string, at::Tensor>& shared) {
  int64_t images = std::max<int64_t>(1, s.batch / 2);  // the bench's batch is the CFG batch (2 per image)
  StepOverhead o = measure_step_overhead(images, s.height / 8, s.width / 8, fast_track_plan(22), s.device, 3);
  nlohmann::json j{{"sampler_seconds_per_step", o.sampler_seconds_per_step},
                   {"preview_seconds_per_step", o.preview_seconds_per_step},
                   {"steps", o.steps},
                   {"plan", "fast_track"}};
  auto it = shared.find("unet.seconds_per_eval." + p.name);
  if (it != shared.end()) {
    double unet = it->second.item<double>();
    j["unet_seconds_per_eval"] = unet;
    j["overhead_fraction_of_unet_eval"] = (o.sampler_seconds_per_step + o.preview_seconds_per_step) / unet;
  }
  return j;
}

nlohmann::json run_end_to_end(const BenchSettings& s, const BenchPrecision& p, std::map<std::string, at::Tensor>&) {
  const char* model = std::getenv("RIPEN_BENCH_MODEL");
  if (!model) return {{"skipped", "set RIPEN_BENCH_MODEL=PATH to time the presets end to end on a model"}};
  PipelineOptions po;
  po.device = s.device;
  po.dtype = p.dtype;
  po.sync_timing = true;
  Pipeline pipeline(po);
  GenerationRequest r;
  r.model = model;
  r.prompt = "a red apple on a white table";
  r.seed = s.seed;
  r.width = int(s.width);
  r.height = int(s.height);
  std::vector<Preset> presets{Preset::Fast, Preset::Quality, Preset::Lightning};
  if (pipeline.model(model)->student_info) presets.push_back(Preset::Draft);
  return bench_presets(pipeline, r, presets);
}

RegisterBenchSection reg1{"step_overhead", 30, run_overhead};
RegisterBenchSection reg2{"end_to_end", 40, run_end_to_end};

}  // namespace
}  // namespace ripen::cli
