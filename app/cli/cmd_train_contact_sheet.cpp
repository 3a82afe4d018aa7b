// ripen-cli train contact-sheet: held-out prompts in fast and quality mode side by side (same seeds), plus the
// seed-parity figures of design.md for them and the adaptive controller's stop statistics.
//   train contact-sheet --model M --data FILE --out SHEET.png [--count 32] [--seed N] [--seeds 1] [--variant N]
//                       [--continue-count N] [--save-dir DIR] [--threads N]
//                       [--study stops] [--middle-samplers euler,euler_ancestral,dpmpp_2m]
// Sheet: 4 prompts a row, each a pair [fast | quality] at 2x (nearest), first seed. SSIM (luma) is reported for fast
// vs quality re-render (same seed), fast vs the fast run promoted by continuation (first --continue-count prompts,
// every seed), and fast seed N vs fast seed N+1 (what "unrelated" looks like). Every fast run also counts where the
// adaptive controller stopped (checkpoint 4/8/12/16, or the full 22 steps) and the steps it used.
// --seeds N: seeds --seed .. --seed+N-1 for every prompt.
// --study stops: per prompt and seed, also the full 22-step run (no stopping) and runs forced to stop at each
//   checkpoint; prints the controller's measured changes at every checkpoint and SSIM / max pixel difference of
//   each stopped image against the full one (how the thresholds in pipeline/adaptive.h were chosen).
// --middle-samplers A,B,..: Fast-Track with each sampler for steps 7-12 (the rest of the plan unchanged); per
//   sampler, at 22 steps (same UNet evaluations) and adaptive: SSIM to quality mode, sharpness (Laplacian variance)
//   over quality's, steps (how presets.cpp's middle sampler was chosen). The sheet shows the first.
// --save-dir writes fast/ and quality/ PNGs named "<class>_<row>.png" for `train recognize`.
#include <ATen/Parallel.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tensors/cpu_threads.h"
#include "cli/cmd_train.h"
#include "cli/image_files.h"
#include "cli/stop_rules.h"
#include "pipeline/metrics.h"
#include "pipeline/pipeline.h"
#include "sampling/registry_names.h"
#include "pipeline/presets.h"
#include "pipeline/promote.h"
#include "tensors/error.h"
#include "training/emoji_dataset.h"

namespace ripen::cli {
namespace {

namespace fs = std::filesystem;

void paste(Image& sheet, const Image& img, int x0, int y0, int scale) {
  for (int y = 0; y < img.height * scale; ++y)
    for (int x = 0; x < img.width * scale; ++x)
      for (int c = 0; c < 3; ++c)
        sheet.rgb[(size_t(y0 + y) * sheet.width + (x0 + x)) * 3 + c] = img.rgb[(size_t(y / scale) * img.width + x / scale) * 3 + c];
}

struct Mean {
  double sum = 0;
  int n = 0;
  void add(double v) { sum += v, ++n; }
  double get() const { return n ? sum / n : 0; }
};

// The checkpoint the controller stopped at, or the plan's last step when it ran to the end.
int stop_checkpoint(const GenerationResult& r) {
  for (const auto& c : r.checkpoints)
    if (c.stop) return c.step;
  return r.plan().steps;
}

double max_abs_diff(const Image& a, const Image& b) {
  int m = 0;
  for (size_t i = 0; i < a.rgb.size() && i < b.rgb.size(); ++i) m = std::max(m, std::abs(int(a.rgb[i]) - int(b.rgb[i])));
  return m / 255.0;
}

double mean_abs_diff(const Image& a, const Image& b) {
  double s = 0;
  for (size_t i = 0; i < a.rgb.size() && i < b.rgb.size(); ++i) s += std::abs(int(a.rgb[i]) - int(b.rgb[i]));
  return a.rgb.empty() ? 0 : s / a.rgb.size() / 255.0;
}

// Stop statistics of a set of fast runs: mean steps and the share stopped at each checkpoint (or run to the end).
struct StopStats {
  Mean steps;
  std::map<int, int> at;
  void add(const GenerationResult& r) {
    steps.add(r.record.steps_used);
    ++at[stop_checkpoint(r)];
  }
  nlohmann::json json() const {
    nlohmann::json share = nlohmann::json::object();
    for (const auto& [k, n] : at) share[std::to_string(k)] = double(n) / std::max(1, steps.n);
    return {{"runs", steps.n}, {"mean_steps", steps.get()}, {"share_stopped_at", share}};
  }
};

struct SamplerStats {
  Mean ssim_full, ssim_adaptive, sharp_full, sharp_adaptive, evals_full, evals_adaptive;
  StopStats stops;
};

std::vector<std::string> comma_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

int run_contact_sheet(Args& args) {
  std::string model = args.get_or("--model", "embedded");
  auto data = training::EmojiDataset::load(args.require("--data"));
  std::string out = args.require("--out");
  int count = args.get_int("--count", 32);
  int seed = args.get_int("--seed", 1);
  int seeds = args.get_int("--seeds", 1);
  int variant = args.get_int("--variant", 0);
  int continue_count = args.get_int("--continue-count", 8);
  std::string save_dir = args.get_or("--save-dir", "");
  int threads = args.get_int("--threads", 0);
  std::string study = args.get_or("--study", "");
  std::vector<std::string> middles = comma_list(args.get_or("--middle-samplers", ""));
  args.finish();
  if (count < 1) throw UsageError("--count must be at least 1");
  if (seeds < 1) throw UsageError("--seeds must be at least 1");
  if (!study.empty() && study != "stops") throw UsageError("--study takes 'stops'");
  require_image_files("train contact-sheet (it writes PNGs)");
  for (const auto& m : middles)
    if (!sampling::is_sampler_name(m))
      throw UsageError("--middle-samplers: unknown sampler '" + m + "' (available: " +
                       sampling::joined_names(sampling::sampler_names()) + ")");
  const bool compare = !middles.empty();
  if (middles.empty()) middles.push_back(kFastTrackMiddleSampler);
  if (threads > 0) configure_cpu_threads(threads);
  if (!save_dir.empty()) {
    fs::create_directories(fs::path(save_dir) / "fast");
    fs::create_directories(fs::path(save_dir) / "quality");
  }

  auto rows = data.indices(true);
  if (int64_t(rows.size()) < count) count = int(rows.size());
  const int side = 64, scale = 2, cell = side * scale, per_row = 4, gap = 8;
  const int pair_w = 2 * cell + gap;
  Image sheet;
  sheet.width = per_row * pair_w;
  sheet.height = ((count + per_row - 1) / per_row) * (cell + gap);
  sheet.rgb.assign(size_t(sheet.width) * sheet.height * 3, 255);

  Pipeline pipeline;
  Mean fast_s, quality_s, continue_s, ssim_fq, ssim_fc, ssim_seeds;
  StopStats stops;
  std::map<int, Mean> stop_ssim, stop_maxdiff, stop_meandiff;  // study: stopped at k vs the full run
  Mean adaptive_vs_full;
  std::map<std::string, SamplerStats> per_sampler;
  auto generate = [&](GenerationRequest r, GenerateInputs in = {}) {
    GenerationResult res = pipeline.generate(r, {}, Pipeline::never_cancel(), in);
    if (!res.ok() || res.images.empty()) throw Error("contact-sheet: generation failed: " + res.error);
    return res;
  };
  auto fast_inputs = [&](const std::string& middle, std::shared_ptr<StopPredictor> predictor) {
    GenerateInputs in;
    in.predictor = std::move(predictor);
    if (middle != kFastTrackMiddleSampler) {
      SamplingPlan p = fast_track_plan(22);
      for (auto& ph : p.phases)
        if (ph.begin == 6) ph.sampler = middle;
      in.plan = p;
    }
    return in;
  };
  for (int i = 0; i < count; ++i) {
    int64_t row = rows[size_t(i)];
    const auto& caps = data.captions[size_t(row)];
    int64_t cls = data.class_ids[row].item<int64_t>();
    std::vector<Image> fast_images;
    for (int si = 0; si < seeds; ++si) {
      GenerationRequest r;
      r.model = model;
      r.prompt = caps.at(std::min<size_t>(size_t(variant), caps.size() - 1));
      r.width = r.height = side;
      r.seed = uint64_t(seed + si);
      r.preset = Preset::Fast;
      GenerationResult fast = generate(r, fast_inputs(middles[0], nullptr));
      GenerationRequest q = r;
      q.preset = Preset::Quality;
      GenerationResult quality = generate(q);
      fast_images.push_back(fast.images[0]);

      stops.add(fast);
      fast_s.add(fast.record.seconds_total);
      quality_s.add(quality.record.seconds_total);
      double s_fq = ssim(fast.images[0], quality.images[0]);
      ssim_fq.add(s_fq);
      nlohmann::json line{{"row", row}, {"class", cls}, {"prompt", r.prompt}, {"seed", r.seed},
                          {"fast_steps", fast.record.steps_used}, {"fast_stop", stop_checkpoint(fast)},
                          {"fast_s", fast.record.seconds_total}, {"quality_s", quality.record.seconds_total},
                          {"ssim_fast_quality", s_fq}};
      if (seeds == 1) {
        GenerationRequest other = r;
        other.seed = r.seed + 1;
        double s_seeds = ssim(fast.images[0], generate(other, fast_inputs(middles[0], nullptr)).images[0]);
        ssim_seeds.add(s_seeds);
        line["ssim_fast_other_seed"] = s_seeds;
      }
      if (i < continue_count) {
        GenerationResult cont = promote(pipeline, promote_source(fast), PromoteMode::Continue);
        if (!cont.ok() || cont.images.empty()) throw Error("contact-sheet: promote failed: " + cont.error);
        double s_fc = ssim(fast.images[0], cont.images[0]);
        ssim_fc.add(s_fc);
        continue_s.add(cont.record.seconds_total);
        line["ssim_fast_continue"] = s_fc;
        line["continue_s"] = cont.record.seconds_total;
      }
      if (study == "stops") {
        GenerationResult full = generate(r, fast_inputs(middles[0], std::make_shared<NeverStop>()));
        nlohmann::json cps = nlohmann::json::array();
        for (const auto& c : full.checkpoints)
          cps.push_back({{"step", c.step}, {"sigma", c.sigma}, {"latent", c.latent_change}, {"preview", c.preview_change}});
        line["checkpoints"] = cps;
        double s_af = ssim(fast.images[0], full.images[0]);
        adaptive_vs_full.add(s_af);
        line["ssim_adaptive_vs_full"] = s_af;
        nlohmann::json st = nlohmann::json::object();
        for (int k : full.plan().adaptive.checkpoints) {
          if (k >= full.plan().steps) continue;
          GenerationResult stopped = generate(r, fast_inputs(middles[0], std::make_shared<StopAt>(k)));
          double sk = ssim(stopped.images[0], full.images[0]);
          double mx = max_abs_diff(stopped.images[0], full.images[0]), mn = mean_abs_diff(stopped.images[0], full.images[0]);
          stop_ssim[k].add(sk);
          stop_maxdiff[k].add(mx);
          stop_meandiff[k].add(mn);
          st[std::to_string(k)] = {{"steps", stopped.record.steps_used}, {"ssim_vs_full", sk}, {"max_diff", mx},
                                   {"mean_diff", mn}, {"ssim_vs_quality", ssim(stopped.images[0], quality.images[0])}};
        }
        line["stopped"] = st;
        line["ssim_full_quality"] = ssim(full.images[0], quality.images[0]);
      }
      if (compare) {
        nlohmann::json cmp = nlohmann::json::object();
        const double q_sharp = laplacian_variance(quality.images[0]);
        for (const auto& m : middles) {
          SamplerStats& ss = per_sampler[m];
          GenerationResult a = m == middles[0] ? fast : generate(r, fast_inputs(m, nullptr));
          GenerationResult f = generate(r, fast_inputs(m, std::make_shared<NeverStop>()));
          ss.stops.add(a);
          double sa = ssim(a.images[0], quality.images[0]), sf = ssim(f.images[0], quality.images[0]);
          double ha = laplacian_variance(a.images[0]) / q_sharp, hf = laplacian_variance(f.images[0]) / q_sharp;
          ss.ssim_adaptive.add(sa), ss.ssim_full.add(sf), ss.sharp_adaptive.add(ha), ss.sharp_full.add(hf);
          ss.evals_adaptive.add(a.record.unet_evals), ss.evals_full.add(f.record.unet_evals);
          cmp[m] = {{"steps", a.record.steps_used}, {"stop", stop_checkpoint(a)}, {"ssim_quality", sa},
                    {"ssim_quality_22", sf}, {"sharpness_over_quality", ha}, {"sharpness_over_quality_22", hf}};
        }
        line["middle_samplers"] = cmp;
      }
      std::cout << line.dump() << std::endl;

      if (si == 0) {
        int x0 = (i % per_row) * pair_w, y0 = (i / per_row) * (cell + gap);
        paste(sheet, fast.images[0], x0, y0, scale);
        paste(sheet, quality.images[0], x0 + cell, y0, scale);
        if (!save_dir.empty()) {
          std::string name = std::to_string(cls) + "_" + std::to_string(row) + ".png";
          write_png_file((fs::path(save_dir) / "fast" / name).string(), fast.images[0]);
          write_png_file((fs::path(save_dir) / "quality" / name).string(), quality.images[0]);
        }
      }
    }
    for (size_t k = 0; k + 1 < fast_images.size(); ++k) ssim_seeds.add(ssim(fast_images[k], fast_images[k + 1]));
  }
  write_png_file(out, sheet);
  nlohmann::json summary{{"summary", true}, {"images", count}, {"seeds", seeds}, {"fast_middle_sampler", middles[0]},
                         {"fast_stops", stops.json()}, {"mean_fast_steps", stops.steps.get()},
                         {"mean_fast_s", fast_s.get()}, {"mean_quality_s", quality_s.get()},
                         {"mean_continue_s", continue_s.get()}, {"mean_ssim_fast_quality", ssim_fq.get()},
                         {"mean_ssim_fast_continue", ssim_fc.get()}, {"continued", ssim_fc.n},
                         {"mean_ssim_two_seeds_fast", ssim_seeds.get()}};
  if (study == "stops") {
    nlohmann::json st = nlohmann::json::object();
    for (const auto& [k, m] : stop_ssim)
      st[std::to_string(k)] = {{"mean_ssim_vs_full", m.get()}, {"mean_max_diff", stop_maxdiff[k].get()},
                               {"mean_mean_diff", stop_meandiff[k].get()}};
    summary["forced_stops_vs_full"] = st;
    summary["mean_ssim_adaptive_vs_full"] = adaptive_vs_full.get();
  }
  if (compare) {
    nlohmann::json cmp = nlohmann::json::object();
    for (const auto& [m, ss] : per_sampler)
      cmp[m] = {{"ssim_quality_22", ss.ssim_full.get()}, {"ssim_quality_adaptive", ss.ssim_adaptive.get()},
                {"sharpness_over_quality_22", ss.sharp_full.get()},
                {"sharpness_over_quality_adaptive", ss.sharp_adaptive.get()},
                {"unet_evals_22", ss.evals_full.get()}, {"unet_evals_adaptive", ss.evals_adaptive.get()},
                {"stops", ss.stops.json()}};
    summary["middle_samplers"] = cmp;
  }
  std::cout << summary.dump() << "\n";
  return 0;
}

RegisterTrainSubcommand reg{"contact-sheet",
                            {"held-out prompts fast|quality side by side + seed-parity SSIM and stop statistics: --model M "
                             "--data FILE --out SHEET.png [--count 32] [--seed N] [--seeds 1] [--continue-count 8] "
                             "[--save-dir DIR] [--study stops] [--middle-samplers A,B,..]",
                             run_contact_sheet}};

}  // namespace
}  // namespace ripen::cli
