#include "sampling/consistency.h"

#include <cmath>

namespace ripen::sampling {

BoundaryScalings boundary_scalings(const ConsistencyBoundary& b, double t) {
  const double st = b.timestep_scaling * t, sd2 = b.sigma_data * b.sigma_data;
  return {sd2 / (st * st + sd2), st / std::sqrt(st * st + sd2)};
}

}  // namespace ripen::sampling
