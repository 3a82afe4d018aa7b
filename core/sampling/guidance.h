#pragma once
// Guidance (CFG) scale per step: constant, a linear ramp over a step range, or piecewise ramps.
// Steps are 0-based global step indices. Before the first segment the first segment's start value applies,
// after the last its end value; between segments the previous segment's end value holds.
#include <string>
#include <vector>

namespace ripen::sampling {

struct GuidanceSegment {
  int first_step = 0, last_step = 0;  // inclusive
  double w_first = 1, w_last = 1;     // linear from w_first at first_step to w_last at last_step
};

class GuidanceSchedule {
 public:
  GuidanceSchedule() = default;  // constant 1
  static GuidanceSchedule constant(double w);
  static GuidanceSchedule ramp(int first_step, int last_step, double w_first, double w_last);
  // Segments must be ordered and non-overlapping; throws ripen::Error otherwise (or on NaN/inf).
  static GuidanceSchedule piecewise(std::vector<GuidanceSegment> segments);

  double at(int step) const;
  bool is_constant() const;
  const std::vector<GuidanceSegment>& segments() const { return segments_; }
  std::string describe() const;  // e.g. "4.5→6@0-5, 6→8.5@6-11"

 private:
  std::vector<GuidanceSegment> segments_ = {{0, 0, 1, 1}};
};

}  // namespace ripen::sampling
