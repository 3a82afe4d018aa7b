#pragma once
// Measurement-only stop rules for the adaptive controller (train contact-sheet, train predictor): never stop, or
// stop at the first checkpoint at or after step k.
#include <string>

#include "pipeline/adaptive.h"

namespace ripen::cli {

struct NeverStop : StopPredictor {
  std::string name() const override { return "never"; }
  StopDecision decide(const ConvergenceObservation&) override { return {false, "measuring"}; }
};

struct StopAt : StopPredictor {
  int k;
  explicit StopAt(int k) : k(k) {}
  std::string name() const override { return "forced"; }
  StopDecision decide(const ConvergenceObservation& o) override { return {o.step >= k, "forced"}; }
};

}  // namespace ripen::cli
