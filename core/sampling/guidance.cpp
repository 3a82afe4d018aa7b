#include "sampling/guidance.h"

#include <cmath>
#include <sstream>

#include "tensors/error.h"

namespace ripen::sampling {

GuidanceSchedule GuidanceSchedule::constant(double w) { return piecewise({{0, 0, w, w}}); }

GuidanceSchedule GuidanceSchedule::ramp(int first_step, int last_step, double w_first, double w_last) {
  return piecewise({{first_step, last_step, w_first, w_last}});
}

GuidanceSchedule GuidanceSchedule::piecewise(std::vector<GuidanceSegment> segments) {
  if (segments.empty()) throw Error("guidance schedule: no segments");
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto& s = segments[i];
    if (!std::isfinite(s.w_first) || !std::isfinite(s.w_last)) throw Error("guidance schedule: scale must be finite");
    if (s.first_step < 0 || s.last_step < s.first_step) throw Error("guidance schedule: bad step range");
    if (i > 0 && s.first_step <= segments[i - 1].last_step)
      throw Error("guidance schedule: segments must be ordered and must not overlap");
  }
  GuidanceSchedule g;
  g.segments_ = std::move(segments);
  return g;
}

double GuidanceSchedule::at(int step) const {
  double w = segments_.front().w_first;
  for (const auto& s : segments_) {
    if (step < s.first_step) break;
    if (step >= s.last_step) {
      w = s.w_last;
      continue;
    }
    double f = double(step - s.first_step) / double(s.last_step - s.first_step);
    return s.w_first + (s.w_last - s.w_first) * f;
  }
  return w;
}

bool GuidanceSchedule::is_constant() const {
  for (const auto& s : segments_)
    if (s.w_first != segments_.front().w_first || s.w_last != segments_.front().w_first) return false;
  return true;
}

std::string GuidanceSchedule::describe() const {
  if (is_constant()) {
    std::ostringstream o;
    o << segments_.front().w_first;
    return o.str();
  }
  std::ostringstream o;
  for (size_t i = 0; i < segments_.size(); ++i) {
    const auto& s = segments_[i];
    o << (i ? ", " : "") << s.w_first << "->" << s.w_last << "@" << s.first_step << "-" << s.last_step;
  }
  return o.str();
}

}  // namespace ripen::sampling
