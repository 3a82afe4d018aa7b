#include "sampling/noise.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <memory>

#include "sampling/philox.h"
#include "tensors/error.h"

namespace ripen::sampling {

at::Tensor randn_cpu(uint64_t seed, at::IntArrayRef shape, at::ScalarType dtype) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  return at::randn(shape, gen, at::TensorOptions().dtype(dtype).device(at::kCPU));
}

at::Tensor randn_philox(uint64_t seed, at::IntArrayRef shape, uint32_t offset) {
  at::Tensor out = at::empty(shape, at::TensorOptions().dtype(at::kFloat));
  float* p = out.data_ptr<float>();
  // A1111 multiplies float32 constants into float64 arithmetic (numpy promotes uint32 × float32 to float64).
  const double inv = double(2.3283064e-10f), inv_2pi = double(float(2.3283064e-10 * 6.2831855));
  const PhiloxKey key = philox_key(seed);
  for (int64_t i = 0; i < out.numel(); ++i) {
    PhiloxCounter c = philox4x32_10({offset, 0u, uint32_t(i), 0u}, key);
    double u = double(c[0]) * inv + double(float(inv) / 2);
    double v = double(c[1]) * inv_2pi + double(float(inv_2pi) / 2);
    p[i] = float(std::sqrt(-2.0 * std::log(u)) * std::sin(v));
  }
  return out;
}

at::Tensor initial_noise(NoiseSource source, uint64_t seed, int64_t batch, at::IntArrayRef sample_shape,
                         const at::TensorOptions& target) {
  if (batch < 1) throw Error("initial noise: batch must be at least 1");
  std::vector<at::Tensor> images;
  for (int64_t i = 0; i < batch; ++i)
    images.push_back(source == NoiseSource::Cpu ? randn_cpu(seed + uint64_t(i), sample_shape)
                                                : randn_philox(seed + uint64_t(i), sample_shape));
  return at::stack(images).to(target);
}

NoiseSampler replay_noise_sampler(at::Tensor bank, const at::TensorOptions& target) {
  auto next = std::make_shared<int64_t>(0);
  return [bank = std::move(bank), target, next](double, double) {
    if (*next >= bank.size(0))
      throw Error("replayed noise exhausted after " + std::to_string(bank.size(0)) + " calls");
    return bank[(*next)++].to(target);
  };
}

}  // namespace ripen::sampling
