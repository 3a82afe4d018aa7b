// Schedules defined by the timesteps the UNet sees: diffusers' spacings and LCM's origin grid.
#include <cmath>

#include "sampling/schedules.h"
#include "tensors/error.h"

namespace ripen::sampling {

std::vector<int64_t> lcm_timesteps(int n, int num_train_timesteps, int original_steps, double strength) {
  if (original_steps < 1 || original_steps > num_train_timesteps)
    throw Error("lcm schedule: original_inference_steps " + std::to_string(original_steps) + " must lie in 1.." +
                std::to_string(num_train_timesteps));
  const int64_t k = num_train_timesteps / original_steps;
  const auto origin_count = int64_t(original_steps * strength);
  if (n < 1 || n > origin_count)
    throw Error("lcm schedule: " + std::to_string(n) + " steps; the origin grid at strength " +
                std::to_string(strength) + " has " + std::to_string(origin_count) + " (needs 1.." +
                std::to_string(origin_count) + ")");
  std::vector<int64_t> origin;  // descending: k·origin_count − 1, ..., 2k − 1, k − 1
  for (int64_t i = origin_count; i >= 1; --i) origin.push_back(i * k - 1);
  const double stride = double(origin_count) / n;  // numpy's linspace(0, len, n, endpoint=False)
  std::vector<int64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(origin[size_t(std::floor(i * stride))]);
  return out;
}

}  // namespace ripen::sampling
