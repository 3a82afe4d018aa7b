#pragma once
// The basic layers every network is built from. Each holds its tensors and declares them by checkpoint key
// through ParamStore::take, so a network's parameter names are exactly the checkpoint's (diffusers layout).
#include <ATen/ATen.h>

#include <string>

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
  void bind(ParamStore& ps, const std::string& prefix, int64_t in, int64_t out, int64_t kernel, int64_t stride_ = 1,
            int64_t padding_ = 0, bool has_bias = true) {
    stride = stride_;
    padding = padding_;
    weight = ps.take(key(prefix, "weight"), {out, in, kernel, kernel}, Init::Uniform, in * kernel * kernel);
    if (has_bias) bias = ps.take(key(prefix, "bias"), {out}, Init::Uniform, in * kernel * kernel);
  }
  at::Tensor operator()(const at::Tensor& x) const { return at::conv2d(x, weight, bias, stride, padding); }
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
  at::Tensor operator()(const at::Tensor& x) const { return at::layer_norm(x, {weight.size(0)}, weight, bias, eps); }
};

struct Embedding {
  at::Tensor weight;
  void bind(ParamStore& ps, const std::string& prefix, int64_t count, int64_t dim) {
    weight = ps.take(key(prefix, "weight"), {count, dim}, Init::Normal);
  }
  at::Tensor operator()(const at::Tensor& ids) const { return at::embedding(weight, ids); }
};

}  // namespace ripen::nn
