#include "pipeline/adaptive.h"

#include <algorithm>
#include <cstdio>

namespace ripen {

double relative_change(const at::Tensor& now, const at::Tensor& before) {
  at::Tensor a = now.to(at::kDouble).flatten(1), b = before.to(at::kDouble).flatten(1);
  at::Tensor num = (a - b).pow(2).mean(1).sqrt();
  at::Tensor den = a.pow(2).mean(1).sqrt().clamp_min(1e-12);
  return (num / den).max().item<double>();
}

double mean_abs_change(const at::Tensor& now, const at::Tensor& before) {
  at::Tensor a = now.to(at::kDouble).flatten(1), b = before.to(at::kDouble).flatten(1);
  return (a - b).abs().mean(1).max().item<double>();
}

StopDecision HeuristicStopPredictor::decide(const ConvergenceObservation& o) {
  char buf[160];
  bool preview_ok = o.preview_change <= t_.preview;  // no preview: latent decides alone (preview_change = 0)
  if (o.latent_change <= t_.latent && preview_ok) {
    std::snprintf(buf, sizeof buf, "converged at step %d (latent change %.4f, preview change %.4f)", o.step,
                  o.latent_change, o.preview_change);
    return {true, buf};
  }
  std::snprintf(buf, sizeof buf, "still changing at step %d (latent change %.4f, preview change %.4f)", o.step,
                o.latent_change, o.preview_change);
  return {false, buf};
}

StopFeatureInputs stop_feature_inputs(const ConvergenceObservation& o) {
  StopFeatureInputs in;
  in.step = o.step, in.max_steps = o.max_steps, in.steps_since_previous = o.steps_since_previous;
  in.sigma = o.sigma, in.sigma_max = o.sigma_max;
  in.latent_change = o.latent_change, in.preview_change = o.preview_change;
  in.has_preview = o.preview.defined();
  return in;
}

StopDecision TrainedStopPredictor::decide(const ConvergenceObservation& o) {
  const StopFeatureInputs in = stop_feature_inputs(o);
  if (!net_->within_training_range(in)) {
    StopDecision d = HeuristicStopPredictor().decide(o);
    d.reason += " (heuristic: the checkpoint is outside what the trained predictor learned from)";
    return d;
  }
  const double predicted = net_->predict(in);
  const double wanted = net_->config().stop_at_ssim;
  char buf[200];
  std::snprintf(buf, sizeof buf, "%s at step %d (predicted SSIM to the full run %.3f, stops at %.3f; latent change %.4f)",
                predicted >= wanted ? "converged" : "still changing", o.step, predicted, wanted, o.latent_change);
  return {predicted >= wanted, buf};
}

AdaptiveController::AdaptiveController(AdaptivePlan plan, std::shared_ptr<StopPredictor> predictor)
    : plan_(std::move(plan)), predictor_(predictor ? std::move(predictor) : std::make_shared<HeuristicStopPredictor>()) {
  reason_ = "max steps (" + std::to_string(plan_.max_steps) + ")";
}

int AdaptiveController::tail_steps(int step) const { return plan_.tail_steps_after(step); }

bool AdaptiveController::after_step(int step, double sigma, double sigma_max, const at::Tensor& denoised,
                                    const at::Tensor& preview) {
  if (!plan_.enabled) return false;
  bool checkpoint = std::find(plan_.checkpoints.begin(), plan_.checkpoints.end(), step) != plan_.checkpoints.end();
  if (!prev_x0_.defined() || checkpoint) {
    if (prev_x0_.defined() && checkpoint && step < plan_.max_steps) {
      ConvergenceObservation o;
      o.step = step;
      o.max_steps = plan_.max_steps;
      o.sigma = sigma;
      o.sigma_max = sigma_max;
      o.latent_change = relative_change(denoised, prev_x0_);
      o.preview_change = (preview.defined() && prev_preview_.defined()) ? mean_abs_change(preview, prev_preview_) : 0.0;
      o.steps_since_previous = step - prev_step_;
      o.denoised = denoised;
      o.preview = preview;
      StopDecision d = predictor_->decide(o);
      history_.push_back({step, sigma, o.latent_change, o.preview_change, d.stop, stop_feature_inputs(o)});
      if (d.stop) {
        reason_ = d.reason + " by " + predictor_->name() + " predictor";
        return true;
      }
    }
    prev_x0_ = denoised.detach().clone();
    prev_preview_ = preview.defined() ? preview.detach().clone() : at::Tensor();
    prev_step_ = step;
  }
  return false;
}

}  // namespace ripen
