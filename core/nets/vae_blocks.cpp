#include "nets/vae_blocks.h"
#include <ATen/core/grad_mode.h>

#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "tensors/cpu_isa.h"
#include "tensors/parallel_gemm.h"

namespace ripen::nn {

GroupStats group_stats(const at::Tensor& x, int64_t groups, int64_t band_elements) {
  return group_stats(std::vector<at::Tensor>{x}, groups, band_elements);
}

GroupStats group_stats(const std::vector<at::Tensor>& parts, int64_t groups, int64_t band_elements) {
  if (parts.empty()) throw std::invalid_argument("group_stats: no map");
  const int64_t B = parts[0].size(0), C = parts[0].size(1);
  if (C % groups != 0) throw std::invalid_argument("group_stats: channels not divisible by groups");
  // Bands are combined with Chan's parallel update of (count, mean, sum of squared deviations), in float64.
  auto dbl = at::TensorOptions().dtype(at::kDouble).device(parts[0].device());
  at::Tensor mean = at::zeros({B, groups}, dbl), m2 = at::zeros({B, groups}, dbl);
  double n = 0;
  for (const at::Tensor& x : parts) {
    const int64_t H = x.size(2), W = x.size(3);
    const int64_t rows = std::clamp<int64_t>(band_elements / std::max<int64_t>(B * C * W, 1), 1, std::max<int64_t>(H, 1));
    for (int64_t r0 = 0; r0 < H; r0 += rows) {
      at::Tensor band = x.slice(2, r0, std::min(H, r0 + rows)).to(at::kFloat).reshape({B, groups, -1});
      auto [v, m] = at::var_mean(band, {2}, /*unbiased=*/false);
      const double nb = static_cast<double>(band.size(2)), total = n + nb;
      at::Tensor mb = m.to(at::kDouble), delta = mb - mean;
      m2.add_(v.to(at::kDouble) * nb + delta * delta * (n * nb / total));
      mean.add_(delta * (nb / total));
      n = total;
    }
  }
  return {mean, m2 / std::max(n, 1.0)};
}

at::Tensor vae_group_norm(const at::Tensor& x, const GroupNorm& norm, bool silu, const GroupStats* stats) {
  // libtorch 1.13's CPU group_norm loses precision on channels-last maps (a 1024^2 decode of the tiny test VAE ended
  // 4.8e-4 of max|out| away from float64, NCHW 1.8e-6), so those take their statistics from group_stats. Not while
  // recording a graph: group_stats updates its sums in place.
  GroupStats own;
  if (!stats && x.is_cpu() && x.dim() == 4 && x.size(2) * x.size(3) > 1 && !x.is_contiguous() &&
      x.is_contiguous(at::MemoryFormat::ChannelsLast) && !at::GradMode::is_enabled()) {
    own = group_stats(x, norm.groups);
    stats = &own;
  }
  at::Tensor y;
  if (stats) {
    const int64_t B = x.size(0), C = x.size(1), per_group = C / norm.groups;
    auto on_x = [&](const at::Tensor& t) { return t.to(x.device(), at::kDouble); };
    at::Tensor scale = on_x(stats->var).add(norm.eps).rsqrt_().repeat_interleave(per_group, 1) * on_x(norm.weight);
    at::Tensor shift = on_x(norm.bias) - on_x(stats->mean).repeat_interleave(per_group, 1) * scale;
    auto as4 = [&](const at::Tensor& t) { return t.to(at::kFloat).view({B, C, 1, 1}); };
    y = x.to(at::kFloat) * as4(scale);
    y.add_(as4(shift));
  } else if (x.scalar_type() == at::kFloat && norm.weight.scalar_type() == at::kFloat) {
    y = at::group_norm(x, norm.groups, norm.weight, norm.bias, norm.eps);
  } else {
    y = at::group_norm(x.to(at::kFloat), norm.groups, norm.weight.to(at::kFloat), norm.bias.to(at::kFloat), norm.eps);
  }
  if (silu) y = at::GradMode::is_enabled() ? at::silu(y) : at::silu_(y);  // silu_ would break training's backward
  return y.scalar_type() == x.scalar_type() ? y : y.to(x.scalar_type());
}

void VaeResnet::bind(ParamStore& ps, const std::string& prefix, int64_t in, int64_t out, int64_t groups) {
  norm1.bind(ps, key(prefix, "norm1"), in, groups, kVaeNormEps);
  conv1.bind(ps, key(prefix, "conv1"), in, out, 3, 1, 1);
  norm2.bind(ps, key(prefix, "norm2"), out, groups, kVaeNormEps);
  conv2.bind(ps, key(prefix, "conv2"), out, out, 3, 1, 1);
  if (in != out) conv_shortcut.bind(ps, key(prefix, "conv_shortcut"), in, out, 1);
}

at::Tensor VaeResnet::operator()(const at::Tensor& x) const {
  at::Tensor h = conv2(vae_group_norm(first_half(x), norm2, true));  // conv1's output is freed before the shortcut
  return h.add_(shortcut(x));
}

at::Tensor VaeResnet::first_half(const at::Tensor& x, const GroupStats* norm1_stats) const {
  return conv1(vae_group_norm(x, norm1, true, norm1_stats));
}

at::Tensor VaeResnet::second_half(const at::Tensor& h, const at::Tensor& skip, const GroupStats* norm2_stats) const {
  return conv2(vae_group_norm(h, norm2, true, norm2_stats)).add_(skip);
}

void VaeAttention::bind(ParamStore& ps, const std::string& prefix, int64_t channels, int64_t groups) {
  group_norm.bind(ps, key(prefix, "group_norm"), channels, groups, kVaeNormEps);
  to_q.bind(ps, key(prefix, "to_q"), channels, channels);
  to_k.bind(ps, key(prefix, "to_k"), channels, channels);
  to_v.bind(ps, key(prefix, "to_v"), channels, channels);
  to_out.bind(ps, key(prefix, "to_out.0"), channels, channels);
}

at::Tensor VaeAttention::operator()(const at::Tensor& x) const {
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), N = H * W;
  at::Tensor h = vae_group_norm(x, group_norm, false).reshape({B, C, N}).transpose(1, 2);  // [B, N, C]
  at::Tensor q = to_q(h), k = to_k(h), v = to_v(h);
  if (compute_in_fp32(q)) {  // bf16 products ATen would refuse or accumulate in bf16 (tensors/cpu_isa.h)
    q = q.to(at::kFloat), k = k.to(at::kFloat), v = v.to(at::kFloat);
  }
  const double scale = 1.0 / std::sqrt(static_cast<double>(C));
  at::Tensor out;
#if TORCH_VERSION_MAJOR >= 2
  out = at::scaled_dot_product_attention(q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)).squeeze(1);
#else
  // Scores in query chunks; softmax in fp32 (diffusers upcasts the VAE attention's softmax).
  const int64_t bytes_per_row = B * N * static_cast<int64_t>(sizeof(float)) * 2;
  const int64_t chunk = std::clamp<int64_t>(score_budget_bytes / std::max<int64_t>(bytes_per_row, 1), 1, N);
  out = parallel_attention(q.mul(scale), k, v, score_budget_bytes);  // fp32 only; undefined otherwise
  if (!out.defined()) {
    at::Tensor kt = k.transpose(1, 2).mul(scale);
    out = at::empty_like(q);
    for (int64_t s = 0; s < N; s += chunk) {
      const int64_t e = std::min(N, s + chunk);
      at::Tensor scores = at::bmm(q.slice(1, s, e), kt);
      at::Tensor probs = at::softmax(scores.to(at::kFloat), -1).to(v.scalar_type());
      out.slice(1, s, e).copy_(at::bmm(probs, v));
    }
  }
#endif
  (void)scale;
  out = to_out(out.to(x.scalar_type())).transpose(1, 2).reshape({B, C, H, W});
  if (x.is_contiguous(at::MemoryFormat::ChannelsLast)) out = out.contiguous(at::MemoryFormat::ChannelsLast);
  return out.add_(x);
}

void VaeMidBlock::bind(ParamStore& ps, const std::string& prefix, int64_t channels, int64_t groups, bool add_attention) {
  has_attention = add_attention;
  resnet0.bind(ps, key(prefix, "resnets.0"), channels, channels, groups);
  if (has_attention) attention.bind(ps, key(prefix, "attentions.0"), channels, groups);
  resnet1.bind(ps, key(prefix, "resnets.1"), channels, channels, groups);
}

at::Tensor VaeMidBlock::operator()(const at::Tensor& x) const {
  at::Tensor h = resnet0(x);
  if (has_attention) h = attention(h);
  return resnet1(h);
}

void VaeDownsample::bind(ParamStore& ps, const std::string& prefix, int64_t channels) {
  conv.bind(ps, key(prefix, "conv"), channels, channels, 3, 2, 0);
}

at::Tensor VaeDownsample::operator()(const at::Tensor& x) const {
  at::Tensor padded = at::constant_pad_nd(x, {0, 1, 0, 1}, 0.0);
  if (x.is_contiguous(at::MemoryFormat::ChannelsLast)) padded = padded.contiguous(at::MemoryFormat::ChannelsLast);
  return conv(padded);
}

void VaeUpsample::bind(ParamStore& ps, const std::string& prefix, int64_t channels) {
  conv.bind(ps, key(prefix, "conv"), channels, channels, 3, 1, 1);
}

at::Tensor VaeUpsample::operator()(const at::Tensor& x) const {
  at::Tensor up = at::upsample_nearest2d(x, {x.size(2) * 2, x.size(3) * 2});
  if (x.is_contiguous(at::MemoryFormat::ChannelsLast)) up = up.contiguous(at::MemoryFormat::ChannelsLast);
  return conv(up);
}

}  // namespace ripen::nn
