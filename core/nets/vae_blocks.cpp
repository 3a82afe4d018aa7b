#include "nets/vae_blocks.h"

#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ripen::nn {

namespace {
thread_local VaeNormStats* current_stats = nullptr;

void record_stats(VaeNormStats& s, const at::Tensor& x, int64_t groups) {
  const int64_t B = x.size(0), H = x.size(2), W = x.size(3);
  auto span = [](double f0, double f1, int64_t n) {
    int64_t a = std::clamp<int64_t>(std::llround(f0 * n), 0, n), b = std::clamp<int64_t>(std::llround(f1 * n), 0, n);
    return std::pair{a, std::max(a, b)};
  };
  auto [y0, y1] = span(s.region.y0, s.region.y1, H);
  auto [x0, x1] = span(s.region.x0, s.region.x1, W);
  const size_t k = s.call;
  if (s.sum.size() <= k) {
    s.sum.resize(k + 1), s.sumsq.resize(k + 1), s.count.resize(k + 1);
  }
  if (!s.sum[k].defined()) {
    auto opts = at::TensorOptions().dtype(at::kDouble).device(x.device());
    s.sum[k] = at::zeros({B, groups}, opts), s.sumsq[k] = at::zeros({B, groups}, opts);
    s.count[k] = at::zeros({}, opts);
  }
  if (y1 == y0 || x1 == x0) return;
  at::Tensor part = x.slice(2, y0, y1).slice(3, x0, x1).to(at::kFloat).reshape({B, groups, -1});
  auto [var, mean] = at::var_mean(part, {2}, /*unbiased=*/false);
  const double n = static_cast<double>(part.size(2));
  at::Tensor m = mean.to(at::kDouble);
  s.sum[k].add_(m * n);
  s.sumsq[k].add_((var.to(at::kDouble) + m * m) * n);
  s.count[k].add_(n);
}

at::Tensor apply_stats(const VaeNormStats& s, const at::Tensor& x, const GroupNorm& norm) {
  if (s.call >= s.mean.size()) throw std::logic_error("VaeNormStats: more norm calls than recorded");
  const int64_t B = x.size(0), C = x.size(1), G = norm.groups;
  at::Tensor rstd = (s.var[s.call] + norm.eps).rsqrt();                                  // [B, G]
  at::Tensor scale = rstd.repeat_interleave(C / G, 1) * norm.weight.to(at::kDouble);     // [B, C]
  at::Tensor shift = norm.bias.to(at::kDouble) - s.mean[s.call].repeat_interleave(C / G, 1) * scale;
  auto as4 = [&](const at::Tensor& t) { return t.to(at::kFloat).view({B, C, 1, 1}); };
  return x.to(at::kFloat) * as4(scale) + as4(shift);
}
}  // namespace

void VaeNormStats::end_pass() {
  mean.clear(), var.clear();
  for (size_t k = 0; k < sum.size(); ++k) {
    at::Tensor n = count[k].clamp_min(1.0);
    at::Tensor m = sum[k] / n;
    mean.push_back(m);
    var.push_back((sumsq[k] / n - m * m).clamp_min(0.0));
  }
  sum.clear(), sumsq.clear(), count.clear();
}

VaeNormStatsScope::VaeNormStatsScope(VaeNormStats* stats) : previous_(current_stats) { current_stats = stats; }
VaeNormStatsScope::~VaeNormStatsScope() { current_stats = previous_; }

at::Tensor vae_group_norm(const at::Tensor& x, const GroupNorm& norm, bool silu) {
  at::Tensor y;
  if (VaeNormStats* s = current_stats) {
    if (s->record) record_stats(*s, x, norm.groups);
    if (s->apply) y = apply_stats(*s, x, norm);
    ++s->call;
  }
  if (y.defined()) {
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
  at::Tensor h = conv1(vae_group_norm(x, norm1, true));
  h = conv2(vae_group_norm(h, norm2, true));
  return h.add_(conv_shortcut.defined() ? conv_shortcut(x) : x);
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
  const double scale = 1.0 / std::sqrt(static_cast<double>(C));
  at::Tensor out;
#if TORCH_VERSION_MAJOR >= 2
  out = at::scaled_dot_product_attention(q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)).squeeze(1);
#else
  // Scores in query chunks; softmax in fp32 (diffusers upcasts the VAE attention's softmax).
  const int64_t bytes_per_row = B * N * static_cast<int64_t>(sizeof(float)) * 2;
  const int64_t chunk = std::clamp<int64_t>(score_budget_bytes / std::max<int64_t>(bytes_per_row, 1), 1, N);
  at::Tensor kt = k.transpose(1, 2).mul(scale);
  out = at::empty_like(q);
  for (int64_t s = 0; s < N; s += chunk) {
    const int64_t e = std::min(N, s + chunk);
    at::Tensor scores = at::bmm(q.slice(1, s, e), kt);
    at::Tensor probs = at::softmax(scores.to(at::kFloat), -1).to(v.scalar_type());
    out.slice(1, s, e).copy_(at::bmm(probs, v));
  }
#endif
  (void)scale;
  out = to_out(out).transpose(1, 2).reshape({B, C, H, W});
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
