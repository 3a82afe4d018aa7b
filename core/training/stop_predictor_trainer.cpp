#include "training/stop_predictor_trainer.h"

#include <torch/optim/adamw.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "tensors/error.h"
#include "tensors/safetensors.h"
#include "training/train_util.h"

namespace ripen::training {
namespace {

at::Tensor feature_rows(const std::vector<StopSample>& samples) {
  std::vector<float> flat;
  for (const auto& s : samples) {
    auto f = stop_features(s.inputs);
    flat.insert(flat.end(), f.begin(), f.end());
  }
  return at::tensor(flat).view({int64_t(samples.size()), int64_t(kStopFeatureNames.size())});
}

at::Tensor targets(const std::vector<StopSample>& samples) {
  std::vector<float> y;
  for (const auto& s : samples) y.push_back(float(std::clamp(s.ssim, 0.0, 1.0)));
  return at::tensor(y);
}

// Squared error of log(1 − SSIM): what matters is telling 0.95 from 0.99, not 0.3 from 0.4.
at::Tensor loss_of(const at::Tensor& predicted, const at::Tensor& measured) {
  constexpr double eps = 2e-3;
  return (at::log1p(-predicted + eps) - at::log1p(-measured + eps)).pow(2).mean();
}

}  // namespace

StopRuleReport evaluate_stop_rule(const StopPredictorNet& net, const std::vector<StopSample>& samples, int plan_steps) {
  StopRuleReport r;
  if (samples.empty()) return r;
  at::NoGradGuard no_grad;
  const at::Tensor predicted = net.forward(feature_rows(samples));
  r.mae = (predicted - targets(samples)).abs().mean().item<double>();
  const at::Tensor pc = predicted.contiguous();
  const std::vector<float> p(pc.data_ptr<float>(), pc.data_ptr<float>() + pc.numel());
  // Runs in order of their checkpoints: the first prediction over the bar stops the run.
  std::map<int, std::vector<size_t>> runs;
  for (size_t i = 0; i < samples.size(); ++i) runs[samples[i].run].push_back(i);
  const double bar = net.config().stop_at_ssim;
  double steps = 0, ssim = 0;
  int below = 0;
  for (auto& [run, idx] : runs) {
    std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return samples[a].inputs.step < samples[b].inputs.step; });
    ++r.runs;
    int stop_step = plan_steps;
    for (size_t i : idx) {
      if (p[i] < bar) continue;
      stop_step = samples[i].inputs.step;
      ++r.stopped;
      ssim += samples[i].ssim;
      r.min_ssim_stopped = std::min(r.min_ssim_stopped, samples[i].ssim);
      if (samples[i].ssim < bar) ++below;
      break;
    }
    ++r.stopped_at[stop_step];
    steps += stop_step;
  }
  r.mean_stop_step = steps / r.runs;
  if (r.stopped) r.mean_ssim_stopped = ssim / r.stopped, r.share_below_target = double(below) / r.stopped;
  return r;
}

StopFit fit_stop_predictor(const std::vector<StopSample>& train, const std::vector<StopSample>& validation,
                           const StopFitOptions& o) {
  if (train.size() < 8) throw Error("stop predictor: " + std::to_string(train.size()) + " training samples are too few");
  at::Tensor x = feature_rows(train), y = targets(train);
  StopFit fit;
  fit.config.hidden = o.hidden;
  fit.config.stop_at_ssim = o.stop_at_ssim;
  at::Tensor mean = x.mean(0), std = x.std(0).clamp_min(1e-3);
  for (int64_t i = 0; i < x.size(1); ++i) {
    fit.config.feature_mean.push_back(mean[i].item<double>());
    fit.config.feature_std.push_back(std[i].item<double>());
  }
  auto ps = ParamStore::random(o.seed);
  auto net = StopPredictorNet::bind(ps, fit.config);
  ps.finish();
  std::vector<at::Tensor> params = make_trainable(ps);
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  for (int64_t it = 1; it <= o.iterations; ++it) {
    opt.zero_grad();
    at::Tensor loss = loss_of(net.forward(x), y);
    loss.backward();
    opt.step();
    if (it % 50 == 0 || it == 1) fit.loss.emplace_back(it, loss.item<double>());
  }
  for (auto& t : params) t.requires_grad_(false);
  int plan_steps = 0;
  for (const auto& s : train) plan_steps = std::max(plan_steps, s.inputs.max_steps);
  fit.train = evaluate_stop_rule(net, train, plan_steps);
  fit.validation = evaluate_stop_rule(net, validation, plan_steps);
  for (const auto& [key, t] : ps.params()) fit.weights[key] = t.detach().clone();
  return fit;
}

void save_stop_predictor(const std::string& dir, const StopFit& fit) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  const fs::path config = fs::path(dir) / "config.json";
  {
    std::ofstream out(config.string() + ".tmp");
    out << fit.config.to_json().dump(2) << "\n";
    if (!out.flush()) throw Error(config.string() + ": cannot write");
  }
  fs::rename(config.string() + ".tmp", config);
  save_safetensors((fs::path(dir) / "model.safetensors").string(), fit.weights, {{"format", "pt"}});
}

}  // namespace ripen::training
