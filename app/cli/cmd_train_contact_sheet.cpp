// ripen-cli train contact-sheet: held-out prompts in fast and quality mode side by side (same seeds), plus the
// seed-parity figures of design.md for them.
//   train contact-sheet --model M --data FILE --out SHEET.png [--count 32] [--seed N] [--variant N]
//                       [--continue-count N] [--save-dir DIR] [--threads N]
// Sheet: 4 prompts a row, each a pair [fast | quality] at 2x (nearest). SSIM (luma) is reported for fast vs
// quality re-render (same seed), fast vs the fast run promoted by continuation (first --continue-count prompts),
// and fast seed N vs fast seed N+1 (what "unrelated" looks like). --save-dir writes fast/ and quality/
// PNGs named "<class>_<row>.png" for `train recognize`.
#include <ATen/Parallel.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tensors/cpu_threads.h"
#include "cli/cmd_train.h"
#include "cli/png_writer.h"
#include "pipeline/metrics.h"
#include "pipeline/pipeline.h"
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

int run_contact_sheet(Args& args) {
  std::string model = args.get_or("--model", "embedded");
  auto data = training::EmojiDataset::load(args.require("--data"));
  std::string out = args.require("--out");
  int count = args.get_int("--count", 32);
  int seed = args.get_int("--seed", 1);
  int variant = args.get_int("--variant", 0);
  int continue_count = args.get_int("--continue-count", 8);
  std::string save_dir = args.get_or("--save-dir", "");
  int threads = args.get_int("--threads", 0);
  args.finish();
  if (count < 1) throw UsageError("--count must be at least 1");
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
  Mean fast_steps, fast_s, quality_s, continue_s, ssim_fq, ssim_fc, ssim_seeds;
  auto generate = [&](GenerationRequest r) {
    GenerationResult res = pipeline.generate(r);
    if (!res.ok() || res.images.empty()) throw Error("contact-sheet: generation failed: " + res.error);
    return res;
  };
  for (int i = 0; i < count; ++i) {
    int64_t row = rows[size_t(i)];
    const auto& caps = data.captions[size_t(row)];
    int64_t cls = data.class_ids[row].item<int64_t>();
    GenerationRequest r;
    r.model = model;
    r.prompt = caps.at(std::min<size_t>(size_t(variant), caps.size() - 1));
    r.width = r.height = side;
    r.seed = uint64_t(seed);
    r.preset = Preset::Fast;
    GenerationResult fast = generate(r);
    GenerationRequest q = r;
    q.preset = Preset::Quality;
    GenerationResult quality = generate(q);
    GenerationRequest other = r;
    other.seed = uint64_t(seed) + 1;
    GenerationResult fast_other = generate(other);

    fast_steps.add(fast.record.steps_used);
    fast_s.add(fast.record.seconds_total);
    quality_s.add(quality.record.seconds_total);
    double s_fq = ssim(fast.images[0], quality.images[0]);
    double s_seeds = ssim(fast.images[0], fast_other.images[0]);
    ssim_fq.add(s_fq);
    ssim_seeds.add(s_seeds);
    nlohmann::json line{{"row", row}, {"class", cls}, {"prompt", r.prompt}, {"fast_steps", fast.record.steps_used},
                        {"fast_s", fast.record.seconds_total}, {"quality_s", quality.record.seconds_total},
                        {"ssim_fast_quality", s_fq}, {"ssim_fast_other_seed", s_seeds}};
    if (i < continue_count) {
      GenerationResult cont = promote(pipeline, promote_source(fast), PromoteMode::Continue);
      if (!cont.ok() || cont.images.empty()) throw Error("contact-sheet: promote failed: " + cont.error);
      double s_fc = ssim(fast.images[0], cont.images[0]);
      ssim_fc.add(s_fc);
      continue_s.add(cont.record.seconds_total);
      line["ssim_fast_continue"] = s_fc;
      line["continue_s"] = cont.record.seconds_total;
    }
    std::cout << line.dump() << std::endl;

    int x0 = (i % per_row) * pair_w, y0 = (i / per_row) * (cell + gap);
    paste(sheet, fast.images[0], x0, y0, scale);
    paste(sheet, quality.images[0], x0 + cell, y0, scale);
    if (!save_dir.empty()) {
      std::string name = std::to_string(cls) + "_" + std::to_string(row) + ".png";
      write_png_stored((fs::path(save_dir) / "fast" / name).string(), fast.images[0]);
      write_png_stored((fs::path(save_dir) / "quality" / name).string(), quality.images[0]);
    }
  }
  write_png_stored(out, sheet);
  std::cout << nlohmann::json{{"summary", true}, {"images", count}, {"mean_fast_steps", fast_steps.get()},
                              {"mean_fast_s", fast_s.get()}, {"mean_quality_s", quality_s.get()},
                              {"mean_continue_s", continue_s.get()}, {"mean_ssim_fast_quality", ssim_fq.get()},
                              {"mean_ssim_fast_continue", ssim_fc.get()}, {"continued", ssim_fc.n},
                              {"mean_ssim_two_seeds_fast", ssim_seeds.get()}}
                   .dump()
            << "\n";
  return 0;
}

RegisterTrainSubcommand reg{"contact-sheet",
                            {"held-out prompts fast|quality side by side + seed-parity SSIM: --model M --data FILE "
                             "--out SHEET.png [--count 32] [--seed N] [--continue-count 8] [--save-dir DIR]",
                             run_contact_sheet}};

}  // namespace
}  // namespace ripen::cli
