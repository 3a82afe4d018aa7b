// ripen-cli bench --model PATH|embedded: each preset end to end on a real model at its native size (see
// bench/model_bench.h), per precision, as JSON. bf16 runs also report the relative L2 distance of their
// images from the fp32 images of the same prompts and seeds when fp32 ran first.
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <iostream>

#include "cli/bench_sections.h"
#include "cli/command.h"
#include "models/model.h"
#include "pipeline/model_presets.h"
#include "bench/model_bench.h"
#include "tensors/cpu_threads.h"

namespace ripen::cli {
namespace {

// Held-out-style captions of the embedded model's training set (name, style); any model accepts them.
const std::vector<std::string> kDefaultPrompts = {
    "grinning face, google style", "red heart, twitter style",   "red apple, google style",
    "dog face, twitter style",     "rocket, google style",       "sun with face, twitter style",
    "pizza, google style",         "smiling face with sunglasses, twitter style"};

}  // namespace

int run_model_bench(Args& args, const std::string& model) {
  for (const char* f : {"--random-weights", "--warmup"})
    if (args.flag(f)) throw UsageError{std::string("bench --model does not take ") + f + " (it always warms up)"};
  for (const char* f : {"--arch", "--sections", "--iters", "--batch"})
    if (args.get(f)) throw UsageError{std::string("bench --model does not take ") + f + " (--random-weights mode only)"};
  ModelBenchOptions o;
  o.count = args.get_int("--count", 8);
  if (o.count < 1) throw UsageError{"--count must be >= 1"};
  o.seed = static_cast<uint64_t>(args.get_int("--seed", 0));
  o.prompts = args.get_all("--prompt");
  if (o.prompts.empty()) o.prompts = kDefaultPrompts;
  const std::optional<std::string> presets_flag = args.get("--presets");
  o.presets = split_list(presets_flag.value_or("fast,quality,lightning"));
  if (o.presets.empty()) throw UsageError{"--presets lists no preset"};
  const ModelPresetCatalog catalog = load_model_presets(model_preset_dirs());
  for (const auto& p : o.presets) {
    try {
      preset_from_string(p);
    } catch (const std::exception&) {
      if (!catalog.find(p)) throw UsageError{"--presets: unknown preset '" + p + "' (`ripen-cli presets` lists them)"};
    }
  }
  const std::string unet = args.get_or("--unet", ""), vae = args.get_or("--vae", "");
  const std::string student = args.get_or("--student", "");
  const std::string device = args.get_or("--device", "cpu");
  at::Device dev = at::kCPU;
  try {
    dev = at::Device(device);
  } catch (const std::exception&) {
    throw UsageError{"unknown --device '" + device + "'"};
  }
  std::vector<BenchPrecision> precisions;
  for (const auto& p : split_list(args.get_or("--precision", dev.is_cpu() ? "fp32,bf16" : "fp16,bf16")))
    precisions.push_back(parse_bench_precision(p));
  if (precisions.empty()) throw UsageError{"--precision lists no precision"};
  const std::optional<std::string> size = args.get("--size");
  int width = 0, height = 0;
  if (size && (std::sscanf(size->c_str(), "%dx%d", &width, &height) != 2 || width < 8 || height < 8))
    throw UsageError{"--size must be WxH in pixels (got '" + *size + "')"};
  const int threads = args.get_int("--threads", 0);
  if (threads > 0) configure_cpu_threads(threads);
  const bool json_only = args.flag("--json");
  args.finish();

  nlohmann::json report;
  report["model"] = model;
  if (!unet.empty()) report["unet"] = unet;
  if (!vae.empty()) report["vae"] = vae;
  report["device"] = dev.str();
  report["threads"] = at::get_num_threads();
  report["libtorch"] = TORCH_VERSION;
  report["count"] = o.count;
  report["prompts"] = o.prompts;
  report["seeds"] = {o.seed, o.seed + uint64_t(o.count) - 1};
  report["results"] = nlohmann::json::array();
  std::map<std::string, std::vector<Image>> fp32_images;
  for (const auto& p : precisions) {
    PipelineOptions po;
    po.device = dev;
    po.dtype = p.dtype;
    po.sync_timing = true;
    po.student_path = student;
    Pipeline pipeline(po);
    // The draft tier beside the others by default, when the model has a distilled student.
    if (!presets_flag && pipeline.model(model, unet, vae)->student_info &&
        std::find(o.presets.begin(), o.presets.end(), "draft") == o.presets.end())
      o.presets.push_back("draft");
    GenerationRequest base;
    base.model = model;
    base.unet = unet;
    base.vae = vae;
    if (width == 0) width = height = int(models::native_image_size(pipeline.model(model, unet, vae)->configs));
    base.width = width;
    base.height = height;
    report["width"] = width;
    report["height"] = height;
    if (!json_only) std::cerr << "bench: " << model << " " << p.name << " ..." << std::endl;
    ModelBenchResult r = bench_model_presets(pipeline, base, o);
    nlohmann::json entry{{"precision", p.name}, {"presets", r.json}, {"peak_rss_mib", peak_rss_mib()}};
    if (p.dtype == at::kFloat) fp32_images = r.images;
    else if (!fp32_images.empty())
      for (const auto& [preset, images] : r.images)
        if (fp32_images.count(preset))
          entry["image_relative_l2_vs_fp32"][preset] = relative_l2(images, fp32_images[preset]);
    if (!json_only) std::cerr << "bench: " << p.name << ": " << entry.dump() << std::endl;
    report["results"].push_back(std::move(entry));
  }
  std::cout << report.dump(json_only ? -1 : 2) << std::endl;
  return 0;
}

}  // namespace ripen::cli
