#pragma once
// Adaptive step count (design.md, "Adaptive controller"). At checkpoints the controller measures how much the
// x0 estimate still changes — in latent space and in preview (RGB) space — and a StopPredictor decides whether
// to stop. Stopping never returns a noisy estimate: the pipeline finishes with a short tail from σ_k to 0.
// v1 uses HeuristicStopPredictor; a trained predictor (later issue) implements the same interface.
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

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

// Stops when both changes fall under their thresholds.
class HeuristicStopPredictor : public StopPredictor {
 public:
  struct Thresholds {
    double latent = 0.05;   // relative RMS change of x0 between checkpoints
    double preview = 0.02;  // mean absolute RGB change between checkpoints
  };
  HeuristicStopPredictor() = default;
  explicit HeuristicStopPredictor(Thresholds t) : t_(t) {}
  std::string name() const override { return "heuristic"; }
  StopDecision decide(const ConvergenceObservation& obs) override;

 private:
  Thresholds t_;
};

struct CheckpointRecord {
  int step = 0;
  double sigma = 0, latent_change = 0, preview_change = 0;
  bool stop = false;
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
