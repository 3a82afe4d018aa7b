#include "sampling/brownian.h"

#include <cmath>
#include <cstring>

#include "sampling/philox.h"
#include "tensors/error.h"

namespace ripen::sampling {
namespace {
constexpr double kLeafWidth = 1.0 / (1 << 20);
constexpr int kMaxPowerOfTwo = 60;
constexpr size_t kCacheBytes = 32u << 20;

uint64_t node_id(int segment, uint64_t heap) { return (uint64_t(segment) << 56) | heap; }  // heap 0 = endpoint
uint64_t bridge_id(uint64_t node, double t) {
  uint64_t bits;
  std::memcpy(&bits, &t, sizeof bits);
  return splitmix64(node ^ splitmix64(bits)) | (1ull << 63);
}
}  // namespace

BrownianPath::BrownianPath(uint64_t seed, std::vector<int64_t> shape)
    : seed_(seed), key_seed_(splitmix64(seed ^ 0x42726F776E69616Eull)), shape_(std::move(shape)) {
  int64_t numel = 1;
  for (int64_t d : shape_) numel *= d;
  cache_limit_ = std::max<size_t>(64, kCacheBytes / std::max<size_t>(1, size_t(numel) * sizeof(double)));
}

at::Tensor BrownianPath::normals(uint64_t seed, uint64_t stream, at::IntArrayRef shape) {
  at::Tensor out = at::empty(shape, at::TensorOptions().dtype(at::kDouble));
  double* p = out.data_ptr<double>();
  const int64_t n = out.numel();
  const PhiloxKey key = philox_key(seed);
  constexpr double inv32 = 1.0 / 4294967296.0, two_pi = 6.283185307179586;
  for (int64_t g = 0; g * 4 < n; ++g) {
    PhiloxCounter c = philox4x32_10({uint32_t(g), uint32_t(uint64_t(g) >> 32), uint32_t(stream), uint32_t(stream >> 32)}, key);
    for (int pair = 0; pair < 2; ++pair) {
      double u = (c[2 * pair] + 0.5) * inv32, v = (c[2 * pair + 1] + 0.5) * inv32;
      double r = std::sqrt(-2.0 * std::log(u)), theta = two_pi * v;
      int64_t i = g * 4 + pair * 2;
      if (i < n) p[i] = r * std::cos(theta);
      if (i + 1 < n) p[i + 1] = r * std::sin(theta);
    }
  }
  return out;
}

at::Tensor BrownianPath::cached(uint64_t id, const std::function<at::Tensor()>& make) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(id);
    if (it != cache_.end()) return it->second;
  }
  at::Tensor v = make();
  std::lock_guard<std::mutex> lock(mutex_);
  if (cache_.size() >= cache_limit_) cache_.clear();
  cache_.emplace(id, v);
  return v;
}

at::Tensor BrownianPath::power_of_two_value(int k) const {
  return cached(node_id(k, 0), [&] {
    if (k == 0) return gaussian(node_id(0, 0));  // W(1) ~ N(0, 1)
    return power_of_two_value(k - 1) + gaussian(node_id(k, 0)) * std::sqrt(std::ldexp(1.0, k - 1));
  });
}

at::Tensor BrownianPath::value(double t) const {
  if (!(t >= 0) || !std::isfinite(t)) throw Error("Brownian path: time must be finite and >= 0, got " + std::to_string(t));
  if (t == 0) return at::zeros(shape_, at::TensorOptions().dtype(at::kDouble));
  int segment = 0;  // segment 0 is [0, 1], segment k is [2^(k-1), 2^k]
  while (std::ldexp(1.0, segment) < t) {
    if (++segment > kMaxPowerOfTwo) throw Error("Brownian path: time " + std::to_string(t) + " is out of range");
  }
  double a = segment == 0 ? 0.0 : std::ldexp(1.0, segment - 1), b = std::ldexp(1.0, segment);
  at::Tensor wa = segment == 0 ? at::zeros(shape_, at::TensorOptions().dtype(at::kDouble)) : power_of_two_value(segment - 1);
  at::Tensor wb = power_of_two_value(segment);
  uint64_t heap = 1;
  while (b - a > kLeafWidth) {
    if (t == a) return wa;
    if (t == b) return wb;
    const double m = 0.5 * (a + b);
    const uint64_t id = node_id(segment, heap);
    at::Tensor wm = cached(id, [&] { return (wa + wb) * 0.5 + gaussian(id) * std::sqrt((b - a) / 4); });
    if (t < m) {
      b = m, wb = wm, heap = 2 * heap;
    } else {
      a = m, wa = wm, heap = 2 * heap + 1;
    }
  }
  if (t == a) return wa;
  if (t == b) return wb;
  // Bridge sample between the two leaf points.
  const double f = (t - a) / (b - a);
  return wa + (wb - wa) * f + gaussian(bridge_id(node_id(segment, heap), t)) * std::sqrt((t - a) * (b - t) / (b - a));
}

at::Tensor BrownianPath::noise(double sigma_a, double sigma_b) const {
  if (sigma_a == sigma_b) return at::zeros(shape_, at::TensorOptions().dtype(at::kDouble));
  return (value(sigma_b) - value(sigma_a)) / std::sqrt(std::abs(sigma_b - sigma_a));
}

NoiseSampler brownian_noise_sampler(const std::vector<uint64_t>& seeds, at::IntArrayRef sample_shape,
                                    const at::TensorOptions& target) {
  if (seeds.empty()) throw Error("Brownian noise sampler: no seeds");
  auto paths = std::make_shared<std::vector<std::unique_ptr<BrownianPath>>>();
  for (uint64_t s : seeds) paths->push_back(std::make_unique<BrownianPath>(s, sample_shape.vec()));
  return [paths, target](double sigma, double sigma_next) {
    std::vector<at::Tensor> per_image;
    for (const auto& p : *paths) per_image.push_back(p->noise(sigma, sigma_next));
    return at::stack(per_image).to(target);
  };
}

}  // namespace ripen::sampling
