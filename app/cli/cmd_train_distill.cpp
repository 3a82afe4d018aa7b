// ripen-cli train distill: a latent-consistency student of a model (training/lcm_distill.h), written as a
// student folder the Draft preset runs.
//   train distill --teacher M --data D --out DIR [--student full|lora] [--retention-weight 3] [--edge-threshold 0.1]
//                 [--rank 32] [--w-embedding on|off] [--guidance-range 4,12] [--guidance 9] [--size N]
//                 [--solver-steps 50] [--huber-c 0.001] [--threads N] [--student-out DIR] + the shared flags
// D: the emoji training set (.safetensors from `train data`; its training part) or a folder of images with .txt
// captions (training/caption_folder.h). The student folder goes to --student-out (default DIR/student) when the run
// ends or stops early; the run itself (checkpoints, loss.csv, loss.png) stays in DIR for --resume.
#include <filesystem>
#include <iostream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "cli/cmd_train.h"
#include "cli/image_files.h"
#include "models/model.h"
#include "pipeline/stage_condition.h"
#include "pipeline/stage_denoise.h"
#include "tensors/cpu_threads.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"
#include "training/caption_folder.h"
#include "training/emoji_dataset.h"
#include "training/lcm_distill.h"
#include "training/retention_map.h"

namespace ripen::cli {
namespace {

namespace fs = std::filesystem;

struct RetentionSettings {
  double weight = 3, threshold = 0.1;
};

// Training images (uint8 [N, H, W, 3]) and captions from either kind of --data.
training::CaptionedImages training_images(const std::string& data, int64_t size) {
  if (fs::is_directory(data)) {
    require_image_files("train distill --data FOLDER");
    return training::load_caption_folder(data, size, read_rgba_file);
  }
  const auto set = training::EmojiDataset::load(data);
  const auto rows = set.indices(false);  // the held-out part stays unseen
  training::CaptionedImages out;
  const at::Tensor idx = at::tensor(rows, at::kLong);
  out.images = set.images.index_select(0, idx);
  if (out.images.size(1) != size)
    out.images = at::upsample_bilinear2d(out.images.permute({0, 3, 1, 2}).to(at::kFloat), {size, size}, false)
                     .round().clamp(0, 255).to(at::kByte).permute({0, 2, 3, 1}).contiguous();
  for (int64_t r : rows) out.captions.push_back(set.captions.at(r));
  return out;
}

training::DistillData distill_data(const models::LoadedModel& teacher, const training::CaptionedImages& images,
                                   const RetentionSettings& retention) {
  training::DistillData d;
  d.captions = images.captions;
  const AutoencoderKL& vae = *teacher.vae;
  std::vector<at::Tensor> latents, maps;
  at::NoGradGuard no_grad;
  for (int64_t i = 0; i < images.images.size(0); i += 64) {
    const int64_t n = std::min<int64_t>(64, images.images.size(0) - i);
    const at::Tensor px = training::images_to_float(images.images.narrow(0, i, n), vae.device());
    latents.push_back(vae.to_latent(vae.encode(px.to(vae.dtype())).mean).to(at::kFloat).cpu());
    maps.push_back(training::retention_map(px, vae.config().downscale(), retention.weight, retention.threshold).cpu());
  }
  d.latents = at::cat(latents);
  d.retention = at::cat(maps);
  return d;
}

// The teacher's text conditioning of each prompt (its first 77-token chunk), as the pipeline encodes it.
std::function<at::Tensor(const std::vector<std::string>&)> text_encoder_of(const models::LoadedModel& teacher) {
  return [&teacher](const std::vector<std::string>& prompts) {
    std::vector<at::Tensor> rows;
    for (const std::string& p : prompts) {
      GenerationRequest r;
      r.prompt = p;
      rows.push_back(encode_conditioning(teacher, r).ctx_cond.narrow(1, 0, 77));
    }
    return at::cat(rows);
  };
}

// The encoded set is kept in DIR/data.safetensors for --resume (and for a rerun with the same inputs); a cache made
// from other inputs is replaced.
training::DistillData cached_distill_data(const models::LoadedModel& teacher, const std::string& data_path,
                                          int64_t size, const RetentionSettings& retention, const std::string& out_dir) {
  const nlohmann::json signature = {{"data", fs::absolute(data_path).string()},
                                    {"data_time", fs::last_write_time(data_path).time_since_epoch().count()},
                                    {"teacher", teacher.path}, {"size", size}, {"retention_weight", retention.weight},
                                    {"edge_threshold", retention.threshold}};
  const fs::path cache = fs::path(out_dir) / "data.safetensors";
  if (fs::exists(cache)) {
    SafeTensors st = SafeTensors::open(cache.string());
    if (st.metadata().count("signature") && st.metadata().at("signature") == signature.dump()) {
      training::DistillData d;
      d.latents = st.tensor("latents").to(at::kFloat).clone();
      d.retention = st.tensor("retention").to(at::kFloat).clone();
      for (const auto& row : nlohmann::json::parse(st.metadata().at("captions")))
        d.captions.push_back(row.get<std::vector<std::string>>());
      std::cerr << "distill: " << d.size() << " training images from " << cache.string() << "\n";
      return d;
    }
  }
  const auto images = training_images(data_path, size);
  std::cerr << "distill: " << images.images.size(0) << " training images at " << size << " px; encoding latents\n";
  training::DistillData d = distill_data(teacher, images, retention);
  fs::create_directories(out_dir);
  save_safetensors(cache.string(), {{"latents", d.latents}, {"retention", d.retention}},
                   {{"signature", signature.dump()}, {"captions", nlohmann::json(d.captions).dump()}});
  return d;
}

std::pair<double, double> parse_range(const std::string& s) {
  double a = 0, b = 0;
  char comma = 0;
  std::istringstream in(s);
  if (!(in >> a >> comma >> b) || comma != ',' || !(a >= 1) || !(b >= a))
    throw UsageError{"--guidance-range: expected MIN,MAX with 1 <= MIN <= MAX (got '" + s + "')"};
  return {a, b};
}

int run_distill(Args& args) {
  training::DistillOptions o;
  o.steps = 400;
  o.batch = 32;
  o.checkpoint_every = 50;
  const std::string teacher_name = args.require("--teacher");
  const std::string data_path = args.require("--data");
  o.student.kind = usage_on_error([&] { return training::student_kind_from_string(args.get_or("--student", "full")); });
  RetentionSettings retention{args.get_double("--retention-weight", 3), args.get_double("--edge-threshold", 0.1)};
  o.student.rank = args.get_int("--rank", 32);
  const std::string w_emb = args.get_or("--w-embedding", o.student.kind == training::StudentKind::Full ? "on" : "off");
  if (w_emb != "on" && w_emb != "off") throw UsageError{"--w-embedding: expected on or off"};
  if (w_emb == "off") o.student.time_cond_proj_dim = 0;
  std::tie(o.guidance_min, o.guidance_max) = parse_range(args.get_or("--guidance-range", "4,12"));
  const double guidance = args.get_double("--guidance", 9);
  o.solver_steps = args.get_int("--solver-steps", 50);
  o.huber_c = args.get_double("--huber-c", o.huber_c);
  const int threads = args.get_int("--threads", 0);
  int64_t size = args.get_int("--size", 0);
  parse_train_options(args, o);
  const std::string student_out = args.get_or("--student-out", (fs::path(o.out_dir) / "student").string());
  args.finish();
  if (threads > 0) configure_cpu_threads(threads);
  if (!(retention.weight >= 1)) throw UsageError{"--retention-weight must be >= 1 (1 is plain LCM)"};

  models::LoadOptions lo;
  lo.device = o.torch_device();
  lo.compute_hash = false;
  const std::string teacher_path = models::resolve_model_path(teacher_name);
  const models::LoadedModel teacher = models::load_model(teacher_path, lo);
  if (teacher.arch == models::Arch::SDXL) throw UsageError{"train distill: SDXL teachers are not supported yet (SD 1.x/2.x and the embedded model are)"};
  if (teacher.prediction != models::Prediction::Epsilon) throw UsageError{"train distill: the teacher must be an epsilon-prediction model"};
  if (size == 0) size = models::native_image_size(teacher.configs);
  if (size <= 0) throw UsageError{"train distill: the teacher's native size is unknown; give --size"};

  const training::DistillData data = cached_distill_data(teacher, data_path, size, retention, o.out_dir);
  const training::DistillTeacher t{&*teacher.unet, text_encoder_of(teacher), model_schedule(teacher)->alphas_cumprod()};
  training::LcmStudent student(o.student, teacher.unet->config(), teacher.weights.at("unet"), o.seed, lo.device);
  if (image_files_available())
    o.write_image = [](const std::string& path, const training::Image8& image) { write_png_file(path, image); };
  const auto r = training::train_distill(student, t, data, o);

  nlohmann::json info = {{"guidance", guidance},
                         {"guidance_range", {o.guidance_min, o.guidance_max}},
                         {"original_inference_steps", o.solver_steps},
                         {"steps", 4},
                         {"retention_weight", retention.weight},
                         {"edge_threshold", retention.threshold},
                         {"teacher", teacher.name},
                         {"trained_steps", r.steps},
                         {"batch", o.batch}};
  student.save(student_out, r.params, info);
  std::cout << "distill: stopped at step " << r.steps << " of " << o.steps << ", smoothed loss " << r.loss
            << "; student written to " << student_out << "\n";
  return 0;
}

RegisterTrainSubcommand reg{"distill", {"LCM-distil a student: --teacher M --data FILE|FOLDER --out DIR [--student full|lora] [--retention-weight 3]", run_distill}};

}  // namespace
}  // namespace ripen::cli
