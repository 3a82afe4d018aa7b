#include "nets/stop_predictor.h"

#include <ATen/core/grad_mode.h>

#include <cmath>
#include <filesystem>

#include "tensors/error.h"
#include "tensors/json_file.h"
#include "tensors/safetensors.h"

namespace ripen {

std::vector<float> stop_features(const StopFeatureInputs& in) {
  // Changes span decades (0.01 .. 2) and σ spans 14 .. 0.03: logs make them comparable.
  auto safe_log = [](double v) { return float(std::log(std::max(v, 1e-4))); };
  const double max_steps = std::max(1, in.max_steps);
  return {float(in.step / max_steps),
          safe_log(in.sigma / std::max(in.sigma_max, 1e-6)),
          safe_log(in.latent_change),
          in.has_preview ? safe_log(in.preview_change) : 0.0f,
          float(in.steps_since_previous / max_steps),
          in.has_preview ? 1.0f : 0.0f};
}

nlohmann::json StopPredictorConfig::to_json() const {
  return {{"features", features}, {"hidden", hidden}, {"feature_mean", feature_mean}, {"feature_std", feature_std},
          {"stop_at_ssim", stop_at_ssim}};
}

StopPredictorConfig StopPredictorConfig::from_json(const nlohmann::json& j, const std::string& origin) {
  StopPredictorConfig c;
  try {
    c.features = j.at("features").get<std::vector<std::string>>();
    c.hidden = j.at("hidden").get<int64_t>();
    c.feature_mean = j.at("feature_mean").get<std::vector<double>>();
    c.feature_std = j.at("feature_std").get<std::vector<double>>();
    c.stop_at_ssim = j.value("stop_at_ssim", c.stop_at_ssim);
  } catch (const nlohmann::json::exception& e) {
    throw Error(origin + ": " + e.what());
  }
  if (c.features != kStopFeatureNames)
    throw Error(origin + ": 'features' are not the ones this version computes (retrain the predictor)");
  const size_t f = c.features.size();
  if (c.feature_mean.size() != f || c.feature_std.size() != f)
    throw Error(origin + ": 'feature_mean' and 'feature_std' need " + std::to_string(f) + " values each");
  for (double s : c.feature_std)
    if (!(s > 0)) throw Error(origin + ": 'feature_std' values must be positive");
  if (c.hidden < 1 || c.hidden > 4096) throw Error(origin + ": 'hidden' out of range");
  if (!(c.stop_at_ssim > 0 && c.stop_at_ssim <= 1)) throw Error(origin + ": 'stop_at_ssim' must be in (0, 1]");
  return c;
}

StopPredictorNet StopPredictorNet::bind(ParamStore& ps, const StopPredictorConfig& cfg) {
  StopPredictorNet n;
  n.cfg_ = cfg;
  const int64_t f = int64_t(cfg.features.size());
  n.fc1_.bind(ps, "fc1", f, cfg.hidden);
  n.fc2_.bind(ps, "fc2", cfg.hidden, cfg.hidden);
  n.fc3_.bind(ps, "fc3", cfg.hidden, 1);
  // Standardisation; none (0 and 1) until a fit has measured it.
  auto as_tensor = [f](const std::vector<double>& v, double fill) {
    return v.empty() ? at::full({f}, fill) : at::tensor(std::vector<float>(v.begin(), v.end()));
  };
  n.mean_ = as_tensor(cfg.feature_mean, 0.0);
  n.std_ = as_tensor(cfg.feature_std, 1.0);
  return n;
}

StopPredictorNet StopPredictorNet::load(const std::string& dir) {
  namespace fs = std::filesystem;
  const std::string config_path = (fs::path(dir) / "config.json").string();
  const std::string weights_path = (fs::path(dir) / "model.safetensors").string();
  auto cfg = StopPredictorConfig::from_json(read_json_file(config_path), config_path);
  auto ps = ParamStore::from_tensors(SafeTensors::open(weights_path).load_all(), weights_path);
  auto net = bind(ps, cfg);
  ps.finish();
  return net;
}

at::Tensor StopPredictorNet::forward(const at::Tensor& features) const {
  at::Tensor x = (features.to(fc1_.weight.scalar_type()) - mean_) / std_;
  x = at::silu(fc1_(x));
  x = at::silu(fc2_(x));
  return at::sigmoid(fc3_(x)).squeeze(-1);
}

double StopPredictorNet::predict(const StopFeatureInputs& in) const {
  at::NoGradGuard no_grad;
  return forward(at::tensor(stop_features(in)).unsqueeze(0)).item<double>();
}

bool StopPredictorNet::within_training_range(const StopFeatureInputs& in, double max_z) const {
  const auto f = stop_features(in);
  for (size_t i = 0; i < f.size() && i < cfg_.feature_mean.size(); ++i)
    if (std::abs(f[i] - cfg_.feature_mean[i]) > max_z * cfg_.feature_std[i]) return false;
  return true;
}

}  // namespace ripen
