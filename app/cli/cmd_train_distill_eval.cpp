// ripen-cli train distill-eval: the distillation ablation (issue 17's "must show"). Held-out prompts with fixed
// seeds, rendered by the teacher in quality mode (the reference), by the teacher's undistilled `lightning` preset
// and by each student run at each step count; for each, against the teacher's quality image of the same prompt and
// seed:
//   texture   Laplacian variance inside the quality image's edge mask (training/retention_map.h's Sobel, same
//             threshold), student ÷ teacher, per image
//   ssim      SSIM (luma) to the quality image
//   top5      the classifier's top-5 hit on the prompt's emoji
//   kid       kernel distance of the classifier's features to the held-out real images (lower is closer)
// each with a 95% bootstrap interval over prompts (all seeds of a prompt move together), and for every pair of
// students the paired per-prompt difference of texture, SSIM and top-5 with its interval.
//   train distill-eval --teacher M --data FILE --classifier DIR --student NAME=RUN [--student NAME=RUN ...]
//                      [--steps 1,2,4,8] [--count 32] [--seeds 2] [--seed 1] [--guidance 9] [--edge-threshold 0.1]
//                      [--sheet FILE.png] [--sheet-count 16] [--sheet-steps 4] [--out REPORT.json] [--threads N]
// RUN is a `train distill` output folder: its checkpoint's EMA student is merged into RUN/merged-unet/ and rendered
// through the pipeline as a UNet override (sampler lcm, schedule lcm, one UNet call per step, no CFG batch).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cmd_train.h"
#include "cli/image_files.h"
#include "models/model.h"
#include "pipeline/metrics.h"
#include "pipeline/pipeline.h"
#include "tensors/cpu_threads.h"
#include "tensors/error.h"
#include "training/emoji_classifier.h"
#include "training/emoji_dataset.h"
#include "training/feature_distance.h"
#include "training/lcm_student.h"
#include "training/retention_map.h"

namespace ripen::cli {
namespace {

namespace fs = std::filesystem;

std::vector<int> parse_ints(const std::string& s, const std::string& flag) {
  std::vector<int> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');) {
    try {
      out.push_back(std::stoi(part));
    } catch (...) {
      throw UsageError{flag + ": expected comma-separated integers (got '" + s + "')"};
    }
    if (out.back() < 1 || out.back() > 50) throw UsageError{flag + ": each value must lie in 1..50"};
  }
  if (out.empty()) throw UsageError{flag + ": empty"};
  return out;
}

// Image (RGB8) -> [3, H, W] float in [-1, 1].
at::Tensor to_float(const Image& img) {
  return at::from_blob(const_cast<uint8_t*>(img.rgb.data()), {img.height, img.width, 3}, at::kByte)
      .permute({2, 0, 1}).to(at::kFloat).div(127.5).sub(1.0);
}

// A student run's EMA weights merged into one UNet folder the pipeline loads as an override.
std::string merged_unet(const models::LoadedModel& teacher, const std::string& run) {
  const fs::path state_file = fs::path(run) / "checkpoint" / "state.json";
  std::ifstream in(state_file);
  if (!in) throw Error(state_file.string() + ": cannot open (not a `train distill` run?)");
  const auto state = nlohmann::json::parse(in, nullptr, false);
  auto info = [&](const char* key) {
    if (!state.is_object() || !state.contains("info") || !state["info"].contains(key) || !state["info"][key].is_string())
      throw Error(state_file.string() + ": key 'info." + std::string(key) + "': missing");
    return state["info"][key].get<std::string>();
  };
  if (info("stage") != "distill") throw Error(state_file.string() + ": key 'info.stage': not a distill run");
  training::StudentSpec spec;
  spec.kind = training::student_kind_from_string(info("student"));
  spec.rank = std::stoll(info("rank"));
  spec.time_cond_proj_dim = std::stoll(info("time_cond_proj_dim"));
  training::LcmStudent student(spec, teacher.unet->config(), teacher.weights.at("unet"), 1, at::kCPU);
  const std::string dir = (fs::path(run) / "merged-unet").string();
  student.save_unet(dir, training::load_checkpoint_weights(run, /*ema=*/true));
  return dir;
}

struct Config {
  std::string name;  // "quality", "lightning-4", "<student>-<steps>"
  std::string student;
  int steps = 0;
  std::vector<std::vector<Image>> images;  // [prompt][seed]
};

struct Scores {
  std::vector<double> texture, ssim, top5;  // per prompt (mean over seeds)
  at::Tensor features;                      // [prompts * seeds, d]
};

nlohmann::json spread_json(const training::Spread& s) { return {{"mean", s.mean}, {"low", s.low}, {"high", s.high}}; }

int run_distill_eval(Args& args) {
  const std::string teacher_name = args.require("--teacher");
  const std::string data_path = args.require("--data");
  const std::string classifier_dir = args.require("--classifier");
  std::vector<std::pair<std::string, std::string>> students;
  for (const std::string& s : args.get_all("--student")) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError{"--student: expected NAME=RUN_DIR (got '" + s + "')"};
    students.emplace_back(s.substr(0, eq), s.substr(eq + 1));
  }
  const std::vector<int> steps = parse_ints(args.get_or("--steps", "1,2,4,8"), "--steps");
  const int count = args.get_int("--count", 32), seeds = args.get_int("--seeds", 2), seed = args.get_int("--seed", 1);
  const double guidance = args.get_double("--guidance", 9), threshold = args.get_double("--edge-threshold", 0.1);
  const std::string sheet_path = args.get_or("--sheet", "");
  const int sheet_count = args.get_int("--sheet-count", 16), sheet_steps = args.get_int("--sheet-steps", 4);
  const std::string out_path = args.get_or("--out", "");
  const int threads = args.get_int("--threads", 0);
  args.finish();
  if (threads > 0) configure_cpu_threads(threads);
  require_image_files("train distill-eval");

  const auto data = training::EmojiDataset::load(data_path);
  auto rows = data.indices(true);
  if (count < 2 || static_cast<size_t>(count) > rows.size())
    throw UsageError{"--count must lie in 2.." + std::to_string(rows.size()) + " (the held-out images)"};
  rows.resize(static_cast<size_t>(count));
  ParamStore storage = ParamStore::random(1);
  const auto classifier = training::load_trained_classifier(classifier_dir, static_cast<int64_t>(data.classes.size()),
                                                            at::kCPU, storage);
  Pipeline pipeline;
  const std::string teacher_path = models::resolve_model_path(teacher_name);
  const auto teacher = pipeline.model(teacher_path);

  std::vector<Config> configs{{"quality", "", 0, {}}, {"lightning-4", "", 4, {}}};
  std::map<std::string, std::string> unet_of;
  for (const auto& [name, run] : students) {
    unet_of[name] = merged_unet(*teacher, run);
    for (int n : steps) configs.push_back({name + "-" + std::to_string(n), name, n, {}});
  }
  for (Config& c : configs) {
    for (int64_t row : rows) {
      std::vector<Image> per_seed;
      for (int s = 0; s < seeds; ++s) {
        GenerationRequest r;
        r.model = teacher_path;
        r.prompt = data.captions.at(static_cast<size_t>(row)).at(0);
        r.seed = static_cast<uint64_t>(seed + s);
        if (c.name == "quality") {
          r.preset = Preset::Quality;
        } else if (c.student.empty()) {
          r.preset = Preset::Lightning;
          r.steps = c.steps;
        } else {
          r.preset = Preset::Custom;
          r.unet = unet_of.at(c.student);
          r.sampler = "lcm";
          r.schedule = "lcm";
          r.steps = c.steps;
          r.cfg = guidance;
        }
        GenerationResult res = pipeline.generate(r);
        if (!res.ok() || res.images.empty()) throw Error("distill-eval: " + c.name + ": generation failed: " + res.error);
        per_seed.push_back(res.images[0]);
      }
      c.images.push_back(std::move(per_seed));
    }
    std::cerr << "distill-eval: rendered " << c.name << "\n";
  }

  // The reference's edge masks and texture, once.
  const Config& quality = configs[0];
  std::vector<std::vector<at::Tensor>> masks(rows.size());
  std::vector<std::vector<double>> quality_texture(rows.size());
  for (size_t p = 0; p < rows.size(); ++p)
    for (const Image& img : quality.images[p]) {
      const at::Tensor mask = training::sobel_magnitude(to_float(img).unsqueeze(0))[0][0].gt(threshold);
      masks[p].push_back(mask);
      quality_texture[p].push_back(laplacian_variance_in(luma(img), mask));
    }
  at::NoGradGuard no_grad;
  const at::Tensor real_images = training::images_to_float(data.images.index_select(0, at::tensor(rows, at::kLong)), at::kCPU);
  const at::Tensor real_features = classifier.features(real_images);

  std::map<std::string, Scores> scores;
  nlohmann::json report = {{"prompts", count}, {"seeds", seeds}, {"guidance", guidance}, {"edge_threshold", threshold}};
  for (const Config& c : configs) {
    Scores s;
    std::vector<at::Tensor> batch;
    for (size_t p = 0; p < rows.size(); ++p) {
      double tex = 0, ss = 0, hit = 0;
      for (size_t k = 0; k < c.images[p].size(); ++k) {
        const Image& img = c.images[p][k];
        const double q = quality_texture[p][k];
        tex += q > 0 ? laplacian_variance_in(luma(img), masks[p][k]) / q : 1.0;
        ss += ssim(img, quality.images[p][k]);
        const at::Tensor x = to_float(img).unsqueeze(0);
        batch.push_back(x);
        const auto top = std::get<1>(classifier.forward(x).topk(5, 1));
        hit += top.eq(data.class_ids[rows[p]]).any().item<bool>() ? 1 : 0;
      }
      const double n = static_cast<double>(c.images[p].size());
      s.texture.push_back(tex / n);
      s.ssim.push_back(ss / n);
      s.top5.push_back(hit / n);
    }
    s.features = classifier.features(at::cat(batch));
    const int64_t per_prompt = seeds;
    auto kid_of = [&](const std::vector<int64_t>& prompts) {
      std::vector<int64_t> idx;
      for (int64_t p : prompts)
        for (int64_t k = 0; k < per_prompt; ++k) idx.push_back(p * per_prompt + k);
      return training::kernel_distance(s.features.index_select(0, at::tensor(idx, at::kLong)), real_features);
    };
    report["configs"][c.name] = {{"texture_retention", spread_json(training::bootstrap_mean(s.texture))},
                                 {"ssim_to_quality", spread_json(training::bootstrap_mean(s.ssim))},
                                 {"top5", spread_json(training::bootstrap_mean(s.top5))},
                                 {"kid_to_real", spread_json(training::bootstrap(count, kid_of, 300))}};
    const auto& j = report["configs"][c.name];
    std::printf("%-16s texture %.3f [%.3f, %.3f]  ssim %.3f [%.3f, %.3f]  top5 %.3f [%.3f, %.3f]  kid %.4f [%.4f, %.4f]\n",
                c.name.c_str(), j["texture_retention"]["mean"].get<double>(), j["texture_retention"]["low"].get<double>(),
                j["texture_retention"]["high"].get<double>(), j["ssim_to_quality"]["mean"].get<double>(),
                j["ssim_to_quality"]["low"].get<double>(), j["ssim_to_quality"]["high"].get<double>(),
                j["top5"]["mean"].get<double>(), j["top5"]["low"].get<double>(), j["top5"]["high"].get<double>(),
                j["kid_to_real"]["mean"].get<double>(), j["kid_to_real"]["low"].get<double>(),
                j["kid_to_real"]["high"].get<double>());
    scores[c.name] = std::move(s);
  }
  {
    auto kid_real = [&](const std::vector<int64_t>& prompts) {
      return training::kernel_distance(real_features.index_select(0, at::tensor(prompts, at::kLong)), real_features);
    };
    std::vector<double> hits;
    for (size_t p = 0; p < rows.size(); ++p) {
      const auto top = std::get<1>(classifier.forward(real_images.narrow(0, static_cast<int64_t>(p), 1)).topk(5, 1));
      hits.push_back(top.eq(data.class_ids[rows[p]]).any().item<bool>() ? 1 : 0);
    }
    report["real_heldout"] = {{"top5", spread_json(training::bootstrap_mean(hits))},
                              {"kid_resampled_self", spread_json(training::bootstrap(count, kid_real, 300))}};
  }
  // Paired differences between students (second minus first), per step count.
  for (size_t a = 0; a < students.size(); ++a)
    for (size_t b = a + 1; b < students.size(); ++b)
      for (int n : steps) {
        const Scores& sa = scores.at(students[a].first + "-" + std::to_string(n));
        const Scores& sb = scores.at(students[b].first + "-" + std::to_string(n));
        auto diff = [](const std::vector<double>& x, const std::vector<double>& y) {
          std::vector<double> d;
          for (size_t i = 0; i < x.size(); ++i) d.push_back(y[i] - x[i]);
          return training::bootstrap_mean(d);
        };
        const std::string key = students[b].first + " - " + students[a].first + " @" + std::to_string(n);
        const auto dt = diff(sa.texture, sb.texture), ds = diff(sa.ssim, sb.ssim), d5 = diff(sa.top5, sb.top5);
        report["differences"][key] = {{"texture_retention", spread_json(dt)}, {"ssim_to_quality", spread_json(ds)},
                                      {"top5", spread_json(d5)}};
        std::printf("%-24s texture %+.3f [%+.3f, %+.3f]  ssim %+.3f [%+.3f, %+.3f]  top5 %+.3f [%+.3f, %+.3f]\n",
                    key.c_str(), dt.mean, dt.low, dt.high, ds.mean, ds.low, ds.high, d5.mean, d5.low, d5.high);
      }

  if (!sheet_path.empty()) {
    // One row per prompt (first seed): quality | lightning-4 | each student at --sheet-steps, 2x nearest.
    std::vector<const Config*> columns{&configs[0], &configs[1]};
    for (const auto& [name, run] : students)
      for (const Config& c : configs)
        if (c.student == name && c.steps == sheet_steps) columns.push_back(&c);
    const int n = std::min<int>(sheet_count, count), cell = quality.images[0][0].width * 2 + 4;
    Image sheet;
    sheet.width = cell * static_cast<int>(columns.size());
    sheet.height = cell * n;
    sheet.rgb.assign(size_t(sheet.width) * sheet.height * 3, 255);
    for (int p = 0; p < n; ++p)
      for (size_t c = 0; c < columns.size(); ++c) {
        const Image& img = columns[c]->images[size_t(p)][0];
        for (int y = 0; y < img.height * 2; ++y)
          for (int x = 0; x < img.width * 2; ++x)
            for (int ch = 0; ch < 3; ++ch)
              sheet.rgb[(size_t(p * cell + 2 + y) * sheet.width + size_t(c) * cell + 2 + x) * 3 + ch] =
                  img.rgb[(size_t(y / 2) * img.width + x / 2) * 3 + ch];
        std::cerr << "sheet row " << p << ": " << data.captions.at(static_cast<size_t>(rows[size_t(p)])).at(0) << "\n";
      }
    std::string cols;
    for (const Config* c : columns) cols += (cols.empty() ? "" : " | ") + c->name;
    std::cerr << "sheet columns: " << cols << "\n";
    write_png_file(sheet_path, sheet);
  }
  if (!out_path.empty()) std::ofstream(out_path) << report.dump(2) << "\n";
  return 0;
}

RegisterTrainSubcommand reg{"distill-eval", {"the distillation ablation: --teacher M --data FILE --classifier DIR --student NAME=RUN ...", run_distill_eval}};

}  // namespace
}  // namespace ripen::cli
