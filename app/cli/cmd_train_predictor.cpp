// ripen-cli train predictor: measures where fast mode may stop on a model and fits the adaptive controller's
// predictor to it (nets/stop_predictor.h), written beside the model as predictor/.
//   train predictor --model M (--data FILE | --samples CSV) [--out DIR] [--count 48] [--seeds 2] [--seed 1] [--stop-at 0.96]
//                   [--hidden 32] [--iterations 3000] [--threads N]
// For `--count` training-part captions × `--seeds` seeds: the full fast run (22 steps, never stopping) and one run
// forced to stop at each checkpoint; each checkpoint gives one sample, what the controller saw there and
// SSIM(stopped image, full image). Every fourth run is held out to validate the fitted rule. Writes config.json,
// model.safetensors, samples.csv, loss.csv and report.json to --out (default <model>/predictor).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cmd_train.h"
#include "cli/stop_rules.h"
#include "models/model.h"
#include "pipeline/metrics.h"
#include "pipeline/pipeline.h"
#include "tensors/cpu_threads.h"
#include "tensors/error.h"
#include "training/emoji_dataset.h"
#include "training/stop_predictor_trainer.h"

namespace ripen::cli {
namespace {

namespace fs = std::filesystem;

// Every fourth run validates the fitted rule.
bool held_out(int run) { return run % 4 == 3; }

// samples.csv: one checkpoint a line, what the controller saw and the measured SSIM (read back by --samples).
constexpr const char* kSamplesHeader =
    "run,step,max_steps,steps_since_previous,sigma,sigma_max,latent_change,preview_change,has_preview,ssim_vs_full";

std::string sample_line(const training::StopSample& s) {
  const StopFeatureInputs& in = s.inputs;
  char buf[320];
  std::snprintf(buf, sizeof buf, "%d,%d,%d,%d,%.9g,%.9g,%.9g,%.9g,%d,%.9g", s.run, in.step, in.max_steps,
                in.steps_since_previous, in.sigma, in.sigma_max, in.latent_change, in.preview_change,
                in.has_preview ? 1 : 0, s.ssim);
  return buf;
}

std::vector<training::StopSample> read_samples(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open");
  std::string line;
  if (!std::getline(in, line) || line != kSamplesHeader)
    throw Error(path + ": not a samples.csv of `train predictor` (header differs)");
  std::vector<training::StopSample> out;
  for (int n = 2; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    training::StopSample s;
    StopFeatureInputs& i = s.inputs;
    int has_preview = 0;
    if (std::sscanf(line.c_str(), "%d,%d,%d,%d,%lf,%lf,%lf,%lf,%d,%lf", &s.run, &i.step, &i.max_steps,
                    &i.steps_since_previous, &i.sigma, &i.sigma_max, &i.latent_change, &i.preview_change,
                    &has_preview, &s.ssim) != 10)
      throw Error(path + ":" + std::to_string(n) + ": expected 10 comma-separated numbers");
    i.has_preview = has_preview != 0;
    out.push_back(s);
  }
  return out;
}

nlohmann::json report_json(const training::StopRuleReport& r) {
  nlohmann::json at = nlohmann::json::object();
  for (const auto& [k, n] : r.stopped_at) at[std::to_string(k)] = n;
  return {{"runs", r.runs}, {"stopped", r.stopped}, {"mae", r.mae}, {"mean_stop_step", r.mean_stop_step},
          {"mean_ssim_stopped", r.mean_ssim_stopped}, {"min_ssim_stopped", r.min_ssim_stopped},
          {"share_below_target", r.share_below_target}, {"stopped_at", at}};
}

// For `count` training-part captions × `seeds` seeds: the full fast run and one run forced to stop at each of its
// checkpoints; every fourth run goes to validation.
void collect_samples(const std::string& model, const training::EmojiDataset& data, int count, int seeds, int seed,
                     std::vector<training::StopSample>& train, std::vector<training::StopSample>& validation,
                     std::vector<std::string>& csv_lines, int& run) {
  auto rows = data.indices(false);
  if (rows.empty()) throw Error("train predictor: the dataset has no training rows");
  Pipeline pipeline;
  auto generate = [&](const GenerationRequest& r, std::shared_ptr<StopPredictor> p) {
    GenerateInputs in;
    in.predictor = std::move(p);
    GenerationResult res = pipeline.generate(r, {}, Pipeline::never_cancel(), in);
    if (!res.ok() || res.images.empty()) throw Error("train predictor: generation failed: " + res.error);
    return res;
  };
  for (int i = 0; i < count; ++i) {
    const int64_t row = rows[size_t(i) * rows.size() / size_t(count)];
    const auto& caps = data.captions[size_t(row)];
    for (int si = 0; si < seeds; ++si, ++run) {
      GenerationRequest r;
      r.model = model;
      r.prompt = caps[size_t(i + si) % caps.size()];
      r.width = r.height = 0;  // the model's own size
      r.seed = uint64_t(seed + si);
      r.preset = Preset::Fast;
      GenerationResult full = generate(r, std::make_shared<NeverStop>());
      for (const auto& c : full.checkpoints) {
        GenerationResult stopped = generate(r, std::make_shared<StopAt>(c.step));
        training::StopSample s{c.inputs, ssim(stopped.images[0], full.images[0]), run};
        (held_out(run) ? validation : train).push_back(s);
        csv_lines.push_back(sample_line(s));
      }
      std::cerr << "\rtrain predictor: run " << run + 1 << "/" << count * seeds << std::flush;
    }
  }
  std::cerr << "\n";
}

int run_predictor(Args& args) {
  const std::string model = args.get_or("--model", "embedded");
  std::string out = args.get_or("--out", "");
  const std::string data_path = args.get_or("--data", "");
  const int count = args.get_int("--count", 48);
  const int seeds = args.get_int("--seeds", 2);
  const int seed = args.get_int("--seed", 1);
  training::StopFitOptions fo;
  fo.stop_at_ssim = args.get_double("--stop-at", fo.stop_at_ssim);
  fo.hidden = args.get_int("--hidden", int(fo.hidden));
  fo.iterations = args.get_int("--iterations", int(fo.iterations));
  const int threads = args.get_int("--threads", 0);
  const std::string samples_in = args.get_or("--samples", "");
  args.finish();
  if (count < 1 || seeds < 1) throw UsageError("--count and --seeds must be at least 1");
  if (!(fo.stop_at_ssim > 0 && fo.stop_at_ssim <= 1)) throw UsageError("--stop-at must be in (0, 1]");
  if (threads > 0) configure_cpu_threads(threads);
  if (out.empty()) out = (fs::path(models::resolve_model_path(model)) / "predictor").string();

  std::vector<training::StopSample> train, validation;
  std::vector<std::string> csv_lines;
  int run = 0;
  if (!samples_in.empty()) {  // refit to measured samples
    for (const auto& s : read_samples(samples_in)) {
      (held_out(s.run) ? validation : train).push_back(s);
      csv_lines.push_back(sample_line(s));
      run = std::max(run, s.run + 1);
    }
  } else {
    if (data_path.empty()) throw UsageError("train predictor needs --data FILE (or --samples CSV)");
    collect_samples(model, training::EmojiDataset::load(data_path), count, seeds, seed, train, validation, csv_lines, run);
  }
  training::StopFit fit = training::fit_stop_predictor(train, validation, fo);
  training::save_stop_predictor(out, fit);
  {
    std::ofstream csv(fs::path(out) / "samples.csv");
    csv << kSamplesHeader << "\n";
    for (const auto& l : csv_lines) csv << l << "\n";
    std::ofstream loss(fs::path(out) / "loss.csv");
    loss << "iteration,loss\n";
    for (const auto& [it, v] : fit.loss) loss << it << "," << v << "\n";
  }
  nlohmann::json report{{"model", model}, {"runs", run}, {"train_samples", train.size()},
                        {"validation_samples", validation.size()}, {"stop_at_ssim", fo.stop_at_ssim},
                        {"train", report_json(fit.train)}, {"validation", report_json(fit.validation)}};
  std::ofstream(fs::path(out) / "report.json") << report.dump(2) << "\n";
  std::cout << report.dump() << "\n";
  return 0;
}

RegisterTrainSubcommand reg{"predictor",
                            {"fit the adaptive controller's stop predictor to measured runs: --model M --data FILE "
                             "[--out DIR] [--count 48] [--seeds 2] [--stop-at 0.96]",
                             run_predictor}};

}  // namespace
}  // namespace ripen::cli
