#pragma once
// What a running generation tells its caller, step by step: one event type from the plan runner to the widget.
// The plan runner numbers the steps (a hires pass continues the base pass's count); the pipeline attaches the
// preview picture; the GUI's worker forwards the event unchanged as a queued signal; the CLI draws a progress bar.
// Sinks run on the generating thread and must be quick.
#include <functional>
#include <string>

#include "pipeline/request.h"

namespace ripen {

enum class Phase {
  Sampling,  // a step of the plan's σ sequence
  Tail,      // an adaptive finishing step after an early stop
  Upscale,   // the hires pass enlarges the base result
  Hires,     // a step of the hires pass
  Decode,    // VAE decode of the final latents
};
std::string to_string(Phase p);

struct StepEvent {
  int step = 0;         // 1-based step just finished
  int planned = 0;      // steps planned now (the adaptive controller may lower or raise it)
  double sigma = 0;     // noise level reached after this step
  Phase phase = Phase::Sampling;
  Image preview;        // small RGB preview of the first image's x0 estimate (latent->RGB, TAESD every few)
  bool preview_taesd = false;
  double elapsed = 0;   // seconds since the generation started
  // Seconds still to go at the pace so far; negative when unknown.
  double eta() const { return step > 0 && planned >= step ? elapsed / step * (planned - step) : -1; }
};

using StepSink = std::function<void(const StepEvent&)>;

}  // namespace ripen
