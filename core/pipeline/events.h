#pragma once
// What a running generation tells its caller, step by step. The GUI's worker forwards these as queued signals;
// the CLI draws a progress bar. Sinks run on the generating thread and must be quick.
#include <atomic>
#include <functional>

#include "pipeline/request.h"

namespace ripen {

struct StepEvent {
  int step = 0;        // 1-based step just finished
  int planned = 0;     // steps planned now (the adaptive controller may lower or raise it)
  int image = 0;       // batch position the preview shows (always 0: the preview shows the first image)
  double sigma = 0;    // noise level reached after this step
  Image preview;       // small RGB preview of the current x0 estimate (latent->RGB every step, TAESD every few)
  bool preview_taesd = false;
  double elapsed = 0;  // seconds since generate() started
  std::string phase;   // "text", "sampling", "tail", "decode"
};

using StepSink = std::function<void(const StepEvent&)>;

}  // namespace ripen
