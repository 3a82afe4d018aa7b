#pragma once
// A tensor as it was at some moment, to tell later whether a result computed from it still holds.
#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace ripen::nn {

// The tensor itself is held, so its TensorImpl cannot be freed and its address handed to another tensor; the
// version counter (shared with its views and detach()) moves on every in-place change. Geometry and data pointer
// catch what bypasses the counter (resize_, set_data). Inference tensors have no version counter: check
// stampable() first.
struct TensorStamp {
  at::Tensor tensor;
  int64_t version = 0;
  const void* data = nullptr;
  std::vector<int64_t> sizes, strides;
  at::ScalarType dtype = at::kFloat;
  at::Device device = at::kCPU;

  static bool stampable(const at::Tensor& t) { return !t.defined() || !t.is_inference(); }
  static TensorStamp of(const at::Tensor& t) {
    if (!t.defined()) return {};
    return {t, t._version(), t.data_ptr(), t.sizes().vec(), t.strides().vec(), t.scalar_type(), t.device()};
  }
  bool unchanged(const at::Tensor& t) const {
    if (!tensor.defined() || !t.defined()) return tensor.defined() == t.defined();
    return tensor.is_same(t) && t._version() == version && t.data_ptr() == data && t.sizes() == sizes &&
           t.strides() == strides && t.scalar_type() == dtype && t.device() == device;
  }
};

}  // namespace ripen::nn
