#include "nets/packed_conv.h"

#include <ATen/core/grad_mode.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "nets/tensor_stamp.h"
#include "tensors/cpu_isa.h"

namespace ripen::nn {
namespace {

std::atomic<int64_t> g_packed_bytes{0};

// Larger maps amortise the per-call reorder; there the packed path measured no faster, and the VAE decoder's
// 32×32 and 64×64 convolutions measured slower (to_mkldnn/to_dense around every call).
constexpr int64_t kMaxOutputPixels = 16 * 16;

// `compute`: the dtype the convolution runs in (fp32 for bf16 maps where compute_in_fp32 says so).
bool applies(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, int64_t stride, int64_t padding,
             at::ScalarType compute) {
  if (!packed_conv_settings().enabled || !at::hasMKLDNN() || at::GradMode::is_enabled()) return false;
  if (!x.is_cpu() || x.layout() != at::kStrided || x.dim() != 4 || weight.dim() != 4) return false;
  if (!weight.is_cpu() || weight.layout() != at::kStrided || x.scalar_type() != weight.scalar_type()) return false;
  if (bias.defined() && (!bias.is_cpu() || bias.scalar_type() != weight.scalar_type())) return false;
  if (compute != at::kFloat && !(compute == at::kBFloat16 && cpu_has_native_bf16())) return false;
  const int64_t out_h = (x.size(2) + 2 * padding - weight.size(2)) / stride + 1;
  const int64_t out_w = (x.size(3) + 2 * padding - weight.size(3)) / stride + 1;
  if (out_h * out_w > kMaxOutputPixels) return false;
  // Inference tensors have no version counter: a change to them could not be seen.
  return TensorStamp::stampable(weight) && x.size(1) == weight.size(1);
}

}  // namespace

struct PackedConvWeight {
  std::mutex mutex;
  TensorStamp stamp;
  int64_t stride = 0, padding = 0, bytes = 0;
  bool refused = false;  // this libtorch's oneDNN calls failed once: plain convolutions from then on
  at::ScalarType dtype = at::kFloat;  // of `packed`, which may be an fp32 copy of a bf16 weight
  at::Tensor packed;  // oneDNN layout, for `stamp`'s weight with this stride and padding

  ~PackedConvWeight() { g_packed_bytes -= bytes; }
  void drop() {
    g_packed_bytes -= bytes;
    bytes = 0;
    packed = at::Tensor();
    stamp = {};
  }
};

std::shared_ptr<PackedConvWeight> make_packed_conv_weight() { return std::make_shared<PackedConvWeight>(); }

PackedConvSettings& packed_conv_settings() {
  static PackedConvSettings s = [] {
    PackedConvSettings d;
    const char* env = std::getenv("RIPEN_PACKED_CONV");
    if (env && std::strcmp(env, "0") == 0) d.enabled = false;
    return d;
  }();
  return s;
}

int64_t packed_conv_bytes() { return g_packed_bytes.load(); }

namespace {

// The memo's packed weight for `weight` at this stride and padding in dtype `compute`, packing it when the memo
// holds none or a stale one. Undefined when it cannot be packed (budget spent, or this libtorch refused). The
// convolutions themselves run outside the lock.
at::Tensor packed_weight(PackedConvWeight& memo, const at::Tensor& weight, int64_t stride, int64_t padding,
                         at::ScalarType compute) {
  std::lock_guard lock(memo.mutex);
  if (memo.refused) return {};
  if (memo.packed.defined() && memo.stamp.unchanged(weight) && memo.stride == stride && memo.padding == padding &&
      memo.dtype == compute)
    return memo.packed;
  memo.drop();
  const int64_t bytes = weight.numel() * int64_t(c10::elementSize(compute));
  if (g_packed_bytes.load() + bytes > packed_conv_settings().budget_bytes) return {};
  try {
    memo.packed = at::mkldnn_reorder_conv2d_weight(weight.to(compute).contiguous().to_mkldnn(), {padding, padding},
                                                   {stride, stride}, {1, 1}, 1);
  } catch (const c10::Error&) {
    memo.refused = true;
    return {};
  }
  memo.stamp = TensorStamp::of(weight);
  memo.stride = stride;
  memo.padding = padding;
  memo.dtype = compute;
  memo.bytes = bytes;
  g_packed_bytes += bytes;
  return memo.packed;
}

}  // namespace

at::Tensor packed_conv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, int64_t stride,
                         int64_t padding, PackedConvWeight* memo) {
  // A bf16 convolution that ATen would hand to a oneDNN that refuses it, or run in its own kernel that accumulates
  // in bf16, runs in fp32 and is rounded to bf16 once (tensors/cpu_isa.h).
  const bool upcast = compute_in_fp32(x) && weight.scalar_type() == at::kBFloat16;
  const at::ScalarType compute = upcast ? at::kFloat : x.scalar_type();
  auto in_compute = [&](const at::Tensor& t) { return upcast && t.defined() ? t.to(at::kFloat) : t; };
  const at::Tensor packed = memo && applies(x, weight, bias, stride, padding, compute)
                                ? packed_weight(*memo, weight, stride, padding, compute)
                                : at::Tensor();
  at::Tensor y;
  if (packed.defined()) {
    try {
      y = at::mkldnn_convolution(in_compute(x).to_mkldnn(), packed, in_compute(bias), {padding, padding},
                                 {stride, stride}, {1, 1}, 1)
              .to_dense();
    } catch (const c10::Error&) {
      std::lock_guard lock(memo->mutex);
      memo->refused = true;
      memo->drop();
    }
  }
  if (!y.defined()) y = at::conv2d(in_compute(x), in_compute(weight), in_compute(bias), stride, padding);
  return upcast ? y.to(x.scalar_type()) : y;
}

}  // namespace ripen::nn
