#include "pipeline/events.h"

namespace ripen {

std::string to_string(Phase p) {
  switch (p) {
    case Phase::Sampling: return "sampling";
    case Phase::Tail: return "tail";
    case Phase::Upscale: return "upscale";
    case Phase::Hires: return "hires";
    case Phase::Decode: return "decode";
  }
  return "?";
}

}  // namespace ripen
