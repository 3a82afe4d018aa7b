#pragma once
// A deterministic Brownian path W(t), t ≥ 0, W(0) = 0, per image seed; the step noise for σa → σb is
//   (W(σb) − W(σa)) / sqrt(|σb − σa|),
// so any two schedules over the same σ range see increments of one path (k-diffusion's
// BrownianTreeNoiseSampler idea; our own construction):
//  * W at the powers of two 1, 2, 4, … is a random walk with independent N(0, 2^(k−1)) steps;
//  * inside each [2^(k−1), 2^k] (and [0, 1]) W is refined by Brownian-bridge bisection down to intervals of
//    2^-20; a query between two of those dyadic points takes one more bridge sample keyed by the exact bits of t.
// Every Gaussian comes from Philox4x32-10 keyed by the seed with the tree node as counter, so a value depends
// only on (seed, t) — never on query order, cache state, thread or device (computed on the CPU in float64).
#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "sampling/sampler.h"

namespace ripen::sampling {

class BrownianPath {
 public:
  BrownianPath(uint64_t seed, std::vector<int64_t> shape);

  at::Tensor value(double t) const;                       // W(t), float64 CPU; t ≥ 0
  at::Tensor noise(double sigma_a, double sigma_b) const;  // unit-variance increment (zeros when σa == σb)
  uint64_t seed() const { return seed_; }
  const std::vector<int64_t>& shape() const { return shape_; }

  // Standard normals for (seed, stream): Philox counters (element / 4, stream), Box–Muller on both pairs.
  static at::Tensor normals(uint64_t seed, uint64_t stream, at::IntArrayRef shape);

 private:
  at::Tensor gaussian(uint64_t stream) const { return normals(key_seed_, stream, shape_); }
  at::Tensor power_of_two_value(int k) const;  // W(2^k) for k ≥ 0
  at::Tensor cached(uint64_t id, const std::function<at::Tensor()>& make) const;

  uint64_t seed_, key_seed_;
  std::vector<int64_t> shape_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<uint64_t, at::Tensor> cache_;  // node id → W at the node's midpoint / endpoint
  size_t cache_limit_ = 0;
};

// One path per image seed; the sampler's noise is stacked to [batch, *sample_shape] and converted to `target`.
NoiseSampler brownian_noise_sampler(const std::vector<uint64_t>& seeds, at::IntArrayRef sample_shape,
                                    const at::TensorOptions& target);

}  // namespace ripen::sampling
