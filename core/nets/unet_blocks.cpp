#include "nets/unet_blocks.h"

#include <ATen/core/grad_mode.h>

#include "tensors/cpu_isa.h"

namespace ripen::nn {

at::Tensor group_norm_fp32(const at::Tensor& x, const GroupNorm& norm, bool silu) {
  at::Tensor y;
  if (x.scalar_type() == at::kFloat) {
    y = at::group_norm(x, norm.groups, norm.weight, norm.bias, norm.eps);
  } else {
    y = at::group_norm(x.to(at::kFloat), norm.groups, norm.weight.to(at::kFloat), norm.bias.to(at::kFloat), norm.eps);
  }
  if (silu) at::silu_(y);
  return y.scalar_type() == x.scalar_type() ? y : y.to(x.scalar_type());
}

void ResnetBlock2D::bind(ParamStore& ps, const std::string& prefix, int64_t in, int64_t out, int64_t temb_dim,
                         int64_t groups, double eps) {
  norm1.bind(ps, key(prefix, "norm1"), in, groups, eps);
  conv1.bind(ps, key(prefix, "conv1"), in, out, 3, 1, 1);
  time_emb_proj.bind(ps, key(prefix, "time_emb_proj"), temb_dim, out);
  norm2.bind(ps, key(prefix, "norm2"), out, groups, eps);
  conv2.bind(ps, key(prefix, "conv2"), out, out, 3, 1, 1);
  if (in != out) conv_shortcut.bind(ps, key(prefix, "conv_shortcut"), in, out, 1);
}

at::Tensor ResnetBlock2D::operator()(const at::Tensor& x, const at::Tensor& temb_act) const {
  at::Tensor h = conv1(group_norm_fp32(x, norm1, true));
  h.add_(time_emb_proj(temb_act).unsqueeze(-1).unsqueeze(-1));
  h = conv2(group_norm_fp32(h, norm2, true));
  return h.add_(conv_shortcut.defined() ? conv_shortcut(x) : x);
}

void Downsample2D::bind(ParamStore& ps, const std::string& prefix, int64_t channels, int64_t padding_) {
  padding = padding_;
  conv.bind(ps, key(prefix, "conv"), channels, channels, 3, 2, padding);
}

at::Tensor Downsample2D::operator()(const at::Tensor& x) const {
  if (padding == 0) return conv(at::constant_pad_nd(x, {0, 1, 0, 1}));
  return conv(x);
}

void Upsample2D::bind(ParamStore& ps, const std::string& prefix, int64_t channels) {
  conv.bind(ps, key(prefix, "conv"), channels, channels, 3, 1, 1);
}

at::Tensor Upsample2D::operator()(const at::Tensor& x, at::IntArrayRef size) const {
  return conv(at::upsample_nearest2d(x, size));
}

void BasicTransformerBlock::bind(ParamStore& ps, const std::string& prefix, int64_t dim, int64_t heads,
                                 int64_t context_dim, bool upcast_attention) {
  const int64_t head_dim = dim / heads;
  norm1.bind(ps, key(prefix, "norm1"), dim);
  attn1.bind(ps, key(prefix, "attn1"), dim, 0, heads, head_dim, upcast_attention);
  norm2.bind(ps, key(prefix, "norm2"), dim);
  attn2.bind(ps, key(prefix, "attn2"), dim, context_dim, heads, head_dim, upcast_attention);
  norm3.bind(ps, key(prefix, "norm3"), dim);
  ff_proj.bind(ps, key(prefix, "ff.net.0.proj"), dim, 8 * dim);
  ff_out.bind(ps, key(prefix, "ff.net.2"), 4 * dim, dim);
}

at::Tensor BasicTransformerBlock::operator()(const at::Tensor& x, const at::Tensor& context) const {
  at::Tensor h = attn1(norm1(x)).add_(x);
  h = attn2(norm2(h), context).add_(h);
  // GEGLU: the first half is the value, the second half the (erf-)GELU gate.
  at::Tensor p = ff_proj(norm3(h));
  const int64_t inner = p.size(-1) / 2;
  // The gate is made contiguous first: ATen's GELU on the strided half ran about 4x slower than copy + GELU.
  at::Tensor gate = p.narrow(-1, inner, inner).contiguous();
  if (compute_in_fp32(gate))  // ATen 1.13 hands bf16 GELU to oneDNN, which refuses it below AVX-512 (tensors/cpu_isa.h)
    gate = at::gelu(gate.to(at::kFloat)).to(gate.scalar_type());
  else
    gate = at::GradMode::is_enabled() ? at::gelu(gate) : at::gelu_(gate);
  at::Tensor gated = gate.mul_(p.narrow(-1, 0, inner));
  return ff_out(gated).add_(h);
}

void Transformer2D::bind(ParamStore& ps, const std::string& prefix, int64_t channels, int64_t heads, int64_t layers,
                         int64_t context_dim, int64_t groups, bool use_linear_projection, bool upcast_attention) {
  linear_projection = use_linear_projection;
  norm.bind(ps, key(prefix, "norm"), channels, groups, 1e-6);
  if (linear_projection)
    proj_in_linear.bind(ps, key(prefix, "proj_in"), channels, channels);
  else
    proj_in_conv.bind(ps, key(prefix, "proj_in"), channels, channels, 1);
  transformer_blocks.resize(layers);
  for (int64_t i = 0; i < layers; ++i)
    transformer_blocks[i].bind(ps, key(prefix, "transformer_blocks." + std::to_string(i)), channels, heads,
                               context_dim, upcast_attention);
  if (linear_projection)
    proj_out_linear.bind(ps, key(prefix, "proj_out"), channels, channels);
  else
    proj_out_conv.bind(ps, key(prefix, "proj_out"), channels, channels, 1);
}

at::Tensor Transformer2D::operator()(const at::Tensor& x, const at::Tensor& context) const {
  const auto b = x.size(0), c = x.size(1), height = x.size(2), width = x.size(3);
  at::Tensor h = group_norm_fp32(x, norm, false);
  if (!linear_projection) h = proj_in_conv(h);
  h = h.permute({0, 2, 3, 1}).reshape({b, height * width, c});
  if (linear_projection) h = proj_in_linear(h);
  for (const auto& block : transformer_blocks) h = block(h, context);
  if (linear_projection) h = proj_out_linear(h);
  h = h.view({b, height, width, c}).permute({0, 3, 1, 2});
  if (!linear_projection) h = proj_out_conv(h.contiguous());
  return h.add(x).contiguous();
}

}  // namespace ripen::nn
