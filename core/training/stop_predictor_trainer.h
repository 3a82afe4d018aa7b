#pragma once
// Fits the adaptive controller's predictor (nets/stop_predictor.h) to measured checkpoints: for each, what the
// controller saw and the SSIM between the image a run gives when stopped there and the full run's image.
#include <map>
#include <string>
#include <vector>

#include "nets/stop_predictor.h"

namespace ripen::training {

struct StopSample {
  StopFeatureInputs inputs;
  double ssim = 0;  // SSIM(stopped here + tail, full run)
  int run = 0;      // which generation it came from (validation holds out whole runs)
};

struct StopFitOptions {
  int64_t hidden = 32;
  int64_t iterations = 3000;  // full-batch AdamW: the sample sets are a few thousand rows
  double lr = 3e-3;
  double weight_decay = 1e-4;
  double stop_at_ssim = 0.96;
  uint64_t seed = 1;
};

// How the fitted rule behaves on a sample set, run by run: the first checkpoint whose prediction reaches
// stop_at_ssim stops it.
struct StopRuleReport {
  int runs = 0, stopped = 0;
  double mae = 0;                   // |predicted − measured SSIM| over all samples
  double mean_stop_step = 0;        // checkpoint step of stopped runs, the plan's end for the others
  double mean_ssim_stopped = 0, min_ssim_stopped = 1;  // measured SSIM of the stopped images
  double share_below_target = 0;    // stopped runs whose measured SSIM fell short of stop_at_ssim
  std::map<int, int> stopped_at;    // checkpoint -> runs
};

struct StopFit {
  StopPredictorConfig config;
  std::map<std::string, at::Tensor> weights;  // fc1/fc2/fc3
  StopRuleReport train, validation;
  std::vector<std::pair<int64_t, double>> loss;  // iteration, training loss
};

StopFit fit_stop_predictor(const std::vector<StopSample>& train, const std::vector<StopSample>& validation,
                           const StopFitOptions& options);
StopRuleReport evaluate_stop_rule(const StopPredictorNet& net, const std::vector<StopSample>& samples, int plan_steps);

// Writes <dir>/config.json and <dir>/model.safetensors (what StopPredictorNet::load reads).
void save_stop_predictor(const std::string& dir, const StopFit& fit);

}  // namespace ripen::training
