#pragma once
// Initial latents and step-noise sources.
//  * cpu:    torch.randn(shape, generator=torch.Generator().manual_seed(seed)) on the CPU, bit for bit (libtorch's
//            own mt19937 CPU generator), then moved to the target device — the seeds ComfyUI and InvokeAI use.
//  * philox: AUTOMATIC1111's "NV" RNG (Philox4x32-10 + Box–Muller, one normal per counter), which reproduces
//            torch.randn on CUDA for A1111 seeds.
// Image i of a batch is drawn on its own from seed + i, so it does not depend on its batch position.
#include <ATen/ATen.h>

#include <cstdint>
#include <string>

#include "sampling/noise_source.h"
#include "sampling/sampler.h"

namespace ripen::sampling {

// torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype) on the CPU.
at::Tensor randn_cpu(uint64_t seed, at::IntArrayRef shape, at::ScalarType dtype = at::kFloat);
// A1111 rng_philox.Generator(seed).randn(shape) at its `offset`-th call (float32, CPU).
at::Tensor randn_philox(uint64_t seed, at::IntArrayRef shape, uint32_t offset = 0);

// [batch, *sample_shape] noise, image i from seed + i, generated on the CPU and then converted to `target`.
at::Tensor initial_noise(NoiseSource source, uint64_t seed, int64_t batch, at::IntArrayRef sample_shape,
                         const at::TensorOptions& target);

// Replays a saved noise bank: the i-th call returns bank[i] (converted to `target`); throws when exhausted.
NoiseSampler replay_noise_sampler(at::Tensor bank, const at::TensorOptions& target);

}  // namespace ripen::sampling
