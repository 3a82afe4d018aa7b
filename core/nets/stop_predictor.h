#pragma once
// The adaptive controller's trained predictor (design.md, "Adaptive controller"): a small MLP that reads what the
// controller measured at a checkpoint and predicts SSIM(image if the run stops here and finishes with its tail,
// image of the full run). The controller stops when the prediction reaches `stop_at_ssim`: more steps would not
// visibly change the picture. One per model, stored beside it as predictor/{config.json, model.safetensors}
// (written by `ripen-cli train predictor`).
#include <ATen/ATen.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nets/layers.h"

namespace ripen {

// What a checkpoint offers, as plain numbers (the pipeline's ConvergenceObservation without tensors).
struct StopFeatureInputs {
  int step = 0, max_steps = 0, steps_since_previous = 0;
  double sigma = 0, sigma_max = 0;
  double latent_change = 0, preview_change = 0;
  bool has_preview = false;
};

// Feature vector, in the order of kStopFeatureNames.
std::vector<float> stop_features(const StopFeatureInputs& in);
inline const std::vector<std::string> kStopFeatureNames{
    "step_fraction", "log_sigma_over_max", "log_latent_change", "log_preview_change", "gap_fraction", "has_preview"};

struct StopPredictorConfig {
  std::vector<std::string> features = kStopFeatureNames;
  int64_t hidden = 32;
  std::vector<double> feature_mean, feature_std;  // standardisation, measured on the training samples
  double stop_at_ssim = 0.96;
  nlohmann::json to_json() const;
  // Throws ripen::Error naming `origin` and the field when it is malformed or its features are not ours.
  static StopPredictorConfig from_json(const nlohmann::json& j, const std::string& origin);
};

class StopPredictorNet {
 public:
  // Keys: fc1.{weight,bias}, fc2.{weight,bias}, fc3.{weight,bias}.
  static StopPredictorNet bind(ParamStore& ps, const StopPredictorConfig& cfg);
  // Loads <dir>/config.json and <dir>/model.safetensors; throws ripen::Error naming the file that failed.
  static StopPredictorNet load(const std::string& dir);

  // Raw feature rows [N, F] -> predicted SSIM [N] in (0, 1). Differentiable (training uses it).
  at::Tensor forward(const at::Tensor& features) const;
  double predict(const StopFeatureInputs& in) const;
  // Every feature within `max_z` standard deviations of the training samples' mean (a checkpoint unlike any it
  // learned from, e.g. a run without previews when it learned with them, gets no prediction it could trust).
  bool within_training_range(const StopFeatureInputs& in, double max_z = 6.0) const;
  const StopPredictorConfig& config() const { return cfg_; }

 private:
  StopPredictorConfig cfg_;
  at::Tensor mean_, std_;
  nn::Linear fc1_, fc2_, fc3_;
};

}  // namespace ripen
