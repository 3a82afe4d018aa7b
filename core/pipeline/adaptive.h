#pragma once
// Adaptive step count (design.md, "Adaptive controller"). At checkpoints the controller measures how much the
// x0 estimate still changes — in latent space and in preview (RGB) space — and a StopPredictor decides whether
// to stop. Stopping never returns a noisy estimate: the pipeline finishes with a short tail from σ_k to 0.
// A model with a trained predictor beside it (nets/stop_predictor.h) uses TrainedStopPredictor; others the heuristic.
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "nets/stop_predictor.h"
#include "pipeline/presets.h"

namespace ripen {

// What a predictor sees at a checkpoint.
struct ConvergenceObservation {
  int step = 0;             // steps done (1-based count)
  int max_steps = 0;
  double sigma = 0;         // noise level of the current x (after this step)
  double sigma_max = 0;
  double latent_change = 0;   // max over the batch of RMS(x0_k − x0_prev) / RMS(x0_k), prev = previous checkpoint
  double preview_change = 0;  // max over the batch of mean |preview_k − preview_prev| (RGB in [0, 1])
  int steps_since_previous = 0;
  at::Tensor denoised;      // x0 estimate [B, C, h, w] (latent space)
  at::Tensor preview;       // [B, 3, ph, pw] in [0, 1], may be undefined
};

struct StopDecision {
  bool stop = false;
  std::string reason;
};

class StopPredictor {
 public:
  virtual ~StopPredictor() = default;
  virtual std::string name() const = 0;
  virtual StopDecision decide(const ConvergenceObservation& obs) = 0;
};

// Stops when both changes fall under their thresholds. Both are normalised per model — latent change relative to
// the estimate's own RMS, preview change in RGB [0, 1] through the model's own latent→RGB factors — so the values
// carry across models. They compare x0 estimates 4 steps apart, which late in a run still differ by detail that the
// finishing tail fills in anyway, so they sit far above "no change". Chosen by what stopping costs against running
// all 22 steps (`ripen-cli train contact-sheet --study stops --count 8 --seeds 2`, embedded model, 16 runs):
// forced stops at 4/8/12/16 give SSIM(stopped, 22-step image) 0.45/0.81/0.974/0.997 on average; with these
// thresholds the runs stop at 8/12/16/never in 6/31/50/13% of cases, 17.6 steps on average, and every stopped image
// keeps SSIM >= 0.978 to its 22-step image (mean 0.994). The old 0.05/0.02 never stopped (at step 16 the changes
// were still 0.07-0.33 latent, 0.02-0.13 preview while SSIM to the full run was already 0.991-0.999).
// With the final Fast-Track (euler_ancestral middle phase): same 16 runs stop at 12/16/never 25/62/13%, 18.4 steps,
// SSIM(stopped, 22-step) >= 0.992; 32 held-out prompts x 4 seeds: 17.9 steps, stopped at 8/12/16/never
// 2/31/56/10%, fast vs quality SSIM 0.734 (two seeds: 0.595).
class HeuristicStopPredictor : public StopPredictor {
 public:
  struct Thresholds {
    double latent = 0.35;   // relative RMS change of x0 between checkpoints
    double preview = 0.10;  // mean absolute RGB change of the x0 preview between checkpoints
  };
  HeuristicStopPredictor() = default;
  explicit HeuristicStopPredictor(Thresholds t) : t_(t) {}
  std::string name() const override { return "heuristic"; }
  StopDecision decide(const ConvergenceObservation& obs) override;

 private:
  Thresholds t_;
};

// Stops when the model's own predictor expects the stopped image to match the full run's (predicted SSIM at least
// its config's stop_at_ssim).
class TrainedStopPredictor : public StopPredictor {
 public:
  explicit TrainedStopPredictor(std::shared_ptr<const StopPredictorNet> net) : net_(std::move(net)) {}
  std::string name() const override { return "trained"; }
  StopDecision decide(const ConvergenceObservation& obs) override;

 private:
  std::shared_ptr<const StopPredictorNet> net_;
};

StopFeatureInputs stop_feature_inputs(const ConvergenceObservation& obs);

struct CheckpointRecord {
  int step = 0;
  double sigma = 0, latent_change = 0, preview_change = 0;
  bool stop = false;
  StopFeatureInputs inputs;  // everything the predictor saw (`ripen-cli train predictor` learns from these)
};

class AdaptiveController {
 public:
  AdaptiveController(AdaptivePlan plan, std::shared_ptr<StopPredictor> predictor = nullptr);

  // Every step: the x0 estimate after step `step` (1-based) and its preview (may be undefined).
  // Returns true when `step` is a checkpoint and the run should stop now (then call tail_steps()).
  bool after_step(int step, double sigma, double sigma_max, const at::Tensor& denoised, const at::Tensor& preview);

  // Steps of the finishing tail when stopping after `step` (so that the total reaches min_steps).
  int tail_steps(int step) const;
  const std::string& reason() const { return reason_; }
  const std::vector<CheckpointRecord>& history() const { return history_; }
  const AdaptivePlan& plan() const { return plan_; }

 private:
  AdaptivePlan plan_;
  std::shared_ptr<StopPredictor> predictor_;
  at::Tensor prev_x0_, prev_preview_;
  int prev_step_ = 0;
  std::string reason_;
  std::vector<CheckpointRecord> history_;
};

// Relative RMS change per batch item, maxed over the batch.
double relative_change(const at::Tensor& now, const at::Tensor& before);
double mean_abs_change(const at::Tensor& now, const at::Tensor& before);

}  // namespace ripen
