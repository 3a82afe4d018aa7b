#pragma once
// Convolutions whose weights stay in oneDNN's blocked layout between calls (CPU inference).
//
// ATen's CPU convolution reorders the weight into oneDNN's layout on every call. On small feature maps that
// reorder costs as much as the convolution itself: an SD 1.5 1280-channel 3×3 conv at 8×8 took 38.7 ms, 16.5 ms
// with its weight kept reordered (2 threads, fp32); the embedded model's UNet runs entirely at 16×16 and below.
// The output is the same oneDNN kernel's, bit for bit.
//
// It applies without grad mode, on the CPU, for fp32 (and bf16 where the CPU has it natively; bf16 computed in fp32,
// see tensors/cpu_isa.h, packs an fp32 copy of the weight), on output maps up to 16×16, while the packed weights of
// the process stay under a byte budget (each is a second copy of its weight). Anything else, or a libtorch whose
// oneDNN calls refuse the packed weight, runs at::conv2d. RIPEN_PACKED_CONV=0 in the environment switches it off.
#include <ATen/ATen.h>

#include <cstdint>
#include <memory>

namespace ripen::nn {

struct PackedConvWeight;  // the memo one Conv2d keeps (shared by copies, which share the weights)
std::shared_ptr<PackedConvWeight> make_packed_conv_weight();

at::Tensor packed_conv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, int64_t stride,
                         int64_t padding, PackedConvWeight* memo);

struct PackedConvSettings {
  bool enabled = true;                   // false: every call is at::conv2d
  int64_t budget_bytes = int64_t(128) << 20;  // all packed weights of the process together
};
// Process-wide; benchmarks and tests change them. Reads RIPEN_PACKED_CONV once.
PackedConvSettings& packed_conv_settings();
int64_t packed_conv_bytes();  // packed weights held now, process-wide

}  // namespace ripen::nn
