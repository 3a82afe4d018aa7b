#include "cli/generate_output.h"
#include "cli/image_flags.h"

#include <ATen/Parallel.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "lora/network_folders.h"
#include "models/catalogue.h"
#include "pipeline/promote.h"
#include "tensors/cpu_isa.h"
#include "tensors/cpu_threads.h"
#include "tensors/error.h"
#ifdef RIPEN_HAVE_IMAGEIO
#include "imageio/export.h"
#endif
#ifdef RIPEN_HAVE_LIBRARY
#include "library/library_store.h"
#endif

namespace ripen::cli {

OutputFlags output_flags(Args& args) {
  OutputFlags f;
  f.out = args.get_or("--out", "");
  f.save_latents = args.get_or("--save-latents", "");
  f.library = args.get_or("--library", "");
  f.json = args.flag("--json");
  f.quiet = args.flag("--quiet");
#ifndef RIPEN_HAVE_LIBRARY
  if (!f.library.empty()) throw UsageError{"--library needs ripen-cli built with the library target"};
#endif
#ifndef RIPEN_HAVE_IMAGEIO
  if (!f.out.empty())
    throw UsageError{"--out writes image files, which needs ripen-cli built with the imageio target (OpenImageIO): "
                     "use the release preset, not the engine-only one (--save-latents and --json work here)"};
#endif
  if (!f.out.empty()) {
    auto dir = std::filesystem::path(f.out).parent_path();
    if (!dir.empty() && !std::filesystem::is_directory(dir)) throw UsageError{"--out: folder " + dir.string() + " does not exist"};
  }
  return f;
}

PipelineOptions pipeline_flags(Args& args) {
  PipelineOptions o;
  o.read_image = cli_image_reader();  // request.image's picture files
  std::string dev = args.get_or("--device", "cpu");
  if (dev == "cuda") {
    o.device = at::Device(at::kCUDA);
  } else if (dev != "cpu") {
    throw UsageError{"--device must be cpu or cuda, got '" + dev + "'"};
  }
  std::string parity = args.get_or("--parity", "kdiffusion");
  if (parity == "diffusers") o.parity = Parity::Diffusers;
  else if (parity != "kdiffusion") throw UsageError{"--parity must be kdiffusion or diffusers, got '" + parity + "'"};
  // fp32 by default, as the reference; auto: fp16 on CUDA, bf16 on a CPU whose oneDNN computes it natively, else fp32.
  std::string precision = args.get_or("--precision", "fp32");
  if (precision == "auto") precision = o.device.is_cuda() ? "fp16" : auto_cpu_dtype() == at::kBFloat16 ? "bf16" : "fp32";
  if (precision == "fp32") o.dtype = at::kFloat;
  else if (precision == "bf16") o.dtype = at::kBFloat16;
  else if (precision == "fp16") o.dtype = at::kHalf;
  else throw UsageError{"--precision must be fp32, bf16, fp16 or auto, got '" + precision + "'"};
  int threads = args.get_int("--threads", 0);
  if (threads > 0) configure_cpu_threads(threads);
  if (auto taesd = args.get("--taesd")) {  // a TAESD file (e.g. from models/vae_approx) for the step previews
    if (!std::filesystem::exists(*taesd)) throw UsageError{"--taesd: file '" + *taesd + "' not found"};
    o.taesd_path = *taesd;
  }
  if (auto student = args.get("--student")) {  // a distilled student folder for --preset draft (models/student.h)
    if (!std::filesystem::is_regular_file(std::filesystem::path(*student) / "student.json"))
      throw UsageError{"--student: '" + *student + "' holds no student.json"};
    o.student_path = *student;
  }
  // Where <lora:NAME> tags and embedding names are looked up: AUTOMATIC1111 / ComfyUI installs (their models/Lora,
  // models/LyCORIS, models/loras, embeddings folders), extra_model_paths.yaml files, and plain folders.
  models::CatalogueRoots roots;
  roots.installs = args.get_all("--install");
  roots.extra_model_paths = args.get_all("--extra-model-paths");
  o.network_folders = lora::NetworkFolders::from_roots(roots);
  for (const auto& d : args.get_all("--lora-dir")) o.network_folders.lora.push_back(d);
  for (const auto& d : args.get_all("--embeddings-dir")) o.network_folders.embeddings.push_back(d);
  for (const auto* list : {&o.network_folders.lora, &o.network_folders.embeddings})
    for (const auto& d : *list)
      if (!std::filesystem::is_directory(d)) throw UsageError{"LoRA/embedding folder '" + d + "' does not exist"};
  return o;
}

std::string output_flags_help() {
  return "  --out FILE.png  --save-latents FILE.safetensors  --json  --library PATH  --quiet\n"
         "  --device cpu|cuda  --precision fp32|bf16|fp16|auto  --parity kdiffusion|diffusers  --threads N\n"
         "  --taesd FILE  (the preview decoder for step previews, e.g. a ComfyUI vae_approx file)\n"
         "  --student DIR  (the distilled student --preset draft runs, instead of the model's own student/)\n"
         "  --lora-dir DIR  --embeddings-dir DIR  --install A1111_OR_COMFYUI_DIR  --extra-model-paths YAML\n"
         "     (where <lora:NAME:W> tags and embedding names in the prompt are looked up; repeatable)\n";
}

StepSink progress_sink(bool enabled) {
  if (!enabled || !isatty(STDERR_FILENO)) return {};
  return [](const StepEvent& e) {
    if (e.phase == Phase::Decode) {
      std::fprintf(stderr, "\r%-70s\rdecoding...", "");
      std::fflush(stderr);
      return;
    }
    const int width = 24;
    int planned = std::max(e.planned, e.step);
    int filled = planned > 0 ? width * e.step / planned : 0;
    double eta = e.step > 0 ? e.elapsed / e.step * (planned - e.step) : 0;
    std::string bar(filled, '#');
    bar.resize(width, ' ');
    std::fprintf(stderr, "\r[%s] step %d/%d  sigma %.3f  ETA %.0fs ", bar.c_str(), e.step, planned, e.sigma, eta);
    std::fflush(stderr);
  };
}

namespace {
std::string nth_path(const std::string& out, size_t i, size_t n) {
  if (n == 1) return out;
  std::filesystem::path p(out);
  return (p.parent_path() / (p.stem().string() + "-" + std::to_string(i + 1) + p.extension().string())).string();
}
}  // namespace

std::unique_ptr<session::ResultStore> library_store(const std::string& dir) {
  if (dir.empty()) return nullptr;
#ifdef RIPEN_HAVE_LIBRARY
  return std::make_unique<library::LibraryStore>(std::filesystem::path(dir));
#else
  throw UsageError{"--library needs ripen-cli built with the library target"};
#endif
}

int finish_result(const session::JobOutcome& outcome, const OutputFlags& f) {
  const GenerationResult& r = outcome.result;
  if (isatty(STDERR_FILENO) && !f.quiet) std::fprintf(stderr, "\r%-70s\r", "");
  if (r.status == GenerationResult::Status::Cancelled) {
    std::cerr << "cancelled; nothing written\n";
    return 130;
  }
  if (!r.ok()) throw Error(r.error);
  nlohmann::json j = r.to_json();
  std::vector<std::string> files;
  for (size_t i = 0; i < r.images.size() && !f.out.empty(); ++i) {
    std::string path = nth_path(f.out, i, r.images.size());
    GenerationRequest one = r.request;
    one.seed = r.request.seed + i;
    one.batch = 1;
#ifdef RIPEN_HAVE_IMAGEIO
    imageio::export_image(path, r.images[i], nullptr, one, r.record, imageio::ExportOptions{});
#endif
    files.push_back(path);
  }
  j["files"] = files;
  if (!f.save_latents.empty()) {
    save_result_latents(f.save_latents, r);
    j["latents_file"] = std::filesystem::absolute(f.save_latents).string();
  }
  if (!f.library.empty()) j["library_ids"] = outcome.ids;
  if (outcome.promoted != PromoteMode::None) {
    j["promoted"] = to_string(outcome.promoted);
    j["latents_from_library"] = outcome.latents_from_store;
  }
  if (f.json) std::cout << j.dump(2) << "\n";
  if (!f.quiet)
    std::cerr << r.record.steps_used << " steps, " << r.record.unet_evals << " UNet evaluations, "
              << r.record.seconds_total << " s (" << r.record.stop_reason << ")\n";
  return 0;
}

}  // namespace ripen::cli
