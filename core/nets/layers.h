#pragma once
// The basic layers every network is built from. Each holds its tensors and declares them by checkpoint key
// through ParamStore::take, so a network's parameter names are exactly the checkpoint's (diffusers layout).
#include <ATen/ATen.h>

#include <string>

#include "nets/packed_conv.h"
#include "tensors/parallel_gemm.h"
#include "tensors/params.h"

namespace ripen::nn {

inline std::string key(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

struct Linear {
  at::Tensor weight, bias;
  void bind(ParamStore& ps, const std::string& prefix, int64_t in, int64_t out, bool has_bias = true) {
    weight = ps.take(key(prefix, "weight"), {out, in}, Init::Uniform, in);
    if (has_bias) bias = ps.take(key(prefix, "bias"), {out}, Init::Uniform, in);
  }
  at::Tensor operator()(const at::Tensor& x) const { return parallel_linear(x, weight, bias); }
  bool defined() const { return weight.defined(); }
};

struct Conv2d {
  at::Tensor weight, bias;
  int64_t stride = 1, padding = 0;
  std::shared_ptr<PackedConvWeight> packed;  // the weight in oneDNN's layout, for CPU inference (packed_conv.h)
  void bind(ParamStore& ps, const std::string& prefix, int64_t in, int64_t out, int64_t kernel, int64_t stride_ = 1,
            int64_t padding_ = 0, bool has_bias = true) {
    stride = stride_;
    padding = padding_;
    weight = ps.take(key(prefix, "weight"), {out, in, kernel, kernel}, Init::Uniform, in * kernel * kernel);
    if (has_bias) bias = ps.take(key(prefix, "bias"), {out}, Init::Uniform, in * kernel * kernel);
    packed = make_packed_conv_weight();
  }
  at::Tensor operator()(const at::Tensor& x) const { return packed_conv2d(x, weight, bias, stride, padding, packed.get()); }
  bool defined() const { return weight.defined(); }
};

struct GroupNorm {
  at::Tensor weight, bias;
  int64_t groups = 32;
  double eps = 1e-5;
  void bind(ParamStore& ps, const std::string& prefix, int64_t channels, int64_t groups_, double eps_) {
    groups = groups_;
    eps = eps_;
    weight = ps.take(key(prefix, "weight"), {channels}, Init::Ones);
    bias = ps.take(key(prefix, "bias"), {channels}, Init::Zeros);
  }
  at::Tensor operator()(const at::Tensor& x) const { return at::group_norm(x, groups, weight, bias, eps); }
};

struct LayerNorm {
  at::Tensor weight, bias;
  double eps = 1e-5;
  void bind(ParamStore& ps, const std::string& prefix, int64_t dim, double eps_ = 1e-5) {
    eps = eps_;
    weight = ps.take(key(prefix, "weight"), {dim}, Init::Ones);
    bias = ps.take(key(prefix, "bias"), {dim}, Init::Zeros);
  }
  at::Tensor operator()(const at::Tensor& x) const {
    // On the CPU in bf16/fp16 it runs in fp32 (it accumulates in fp32 anyway): ATen 1.13's bf16 kernel took 10x
    // as long as the fp32 one (embedded UNet, 170 against 16 µs per call).
    if (x.is_cpu() && (x.scalar_type() == at::kBFloat16 || x.scalar_type() == at::kHalf))
      return at::layer_norm(x.to(at::kFloat), {weight.size(0)}, weight.to(at::kFloat), bias.to(at::kFloat), eps)
          .to(x.scalar_type());
    return at::layer_norm(x, {weight.size(0)}, weight, bias, eps);
  }
};

struct Embedding {
  at::Tensor weight;
  void bind(ParamStore& ps, const std::string& prefix, int64_t count, int64_t dim) {
    weight = ps.take(key(prefix, "weight"), {count, dim}, Init::Normal);
  }
  at::Tensor operator()(const at::Tensor& ids) const { return at::embedding(weight, ids); }
};

}  // namespace ripen::nn
