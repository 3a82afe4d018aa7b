#include "nets/unet.h"

#include <c10/core/InferenceMode.h>

#include <mutex>

#include "nets/attention.h"
#include "nets/tensor_stamp.h"
#include "tensors/error.h"

namespace ripen {

using nn::key;

UNet2DCondition UNet2DCondition::bind(ParamStore& ps, const UNetConfig& cfg) {
  cfg.validate();
  UNet2DCondition u;
  u.config_ = cfg;
  const auto& ch = cfg.block_out_channels;
  const int64_t levels = cfg.levels(), temb = cfg.time_embed_dim(), groups = cfg.norm_num_groups;
  const double eps = cfg.norm_eps;
  const int64_t context = cfg.cross_attention_dim;

  u.conv_in_.bind(ps, "conv_in", cfg.in_channels, ch[0], 3, 1, 1);
  u.time_embedding_.bind(ps, "time_embedding", ch[0], temb, cfg.time_cond_proj_dim);
  if (cfg.has_text_time()) u.add_embedding_.bind(ps, "add_embedding", cfg.projection_class_embeddings_input_dim, temb);

  auto transformer = [&](const std::string& prefix, int64_t channels, int64_t level, int64_t layers) {
    nn::Transformer2D t;
    t.bind(ps, prefix, channels, cfg.num_attention_heads[level], layers, context, groups, cfg.use_linear_projection,
           cfg.upcast_attention);
    return t;
  };

  int64_t out_ch = ch[0];
  for (int64_t i = 0; i < levels; ++i) {
    const std::string prefix = "down_blocks." + std::to_string(i);
    const int64_t in_ch = out_ch;
    out_ch = ch[i];
    const bool attn = cfg.down_block_types[i] == "CrossAttnDownBlock2D";
    DownBlock b;
    for (int64_t j = 0; j < cfg.layers_per_block[i]; ++j) {
      b.resnets.emplace_back();
      b.resnets.back().bind(ps, prefix + ".resnets." + std::to_string(j), j == 0 ? in_ch : out_ch, out_ch, temb,
                            groups, eps);
      if (attn)
        b.attentions.push_back(transformer(prefix + ".attentions." + std::to_string(j), out_ch, i,
                                           cfg.transformer_layers_per_block[i]));
    }
    if (i + 1 < levels) {
      b.has_downsampler = true;
      b.downsampler.bind(ps, prefix + ".downsamplers.0", out_ch, cfg.downsample_padding);
    }
    u.down_blocks_.push_back(std::move(b));
  }

  if (!cfg.mid_block_type.empty()) {
    u.has_mid_ = true;
    const int64_t c = ch.back();
    for (int64_t j = 0; j <= cfg.mid_block_layers; ++j) {
      u.mid_block_.resnets.emplace_back();
      u.mid_block_.resnets.back().bind(ps, "mid_block.resnets." + std::to_string(j), c, c, temb, groups, eps);
      if (j < cfg.mid_block_layers)
        u.mid_block_.attentions.push_back(transformer("mid_block.attentions." + std::to_string(j), c, levels - 1,
                                                      cfg.transformer_layers_per_block.back()));
    }
  }

  // Up path: level order reversed; resnet j takes the previous output plus a skip (LIFO).
  out_ch = ch.back();
  for (int64_t i = 0; i < levels; ++i) {
    const int64_t level = levels - 1 - i;
    const std::string prefix = "up_blocks." + std::to_string(i);
    const int64_t prev_out = out_ch;
    out_ch = ch[level];
    const int64_t in_ch = ch[std::max<int64_t>(level - 1, 0)];
    const bool attn = cfg.up_block_types[i] == "CrossAttnUpBlock2D";
    const int64_t layers = cfg.layers_per_block[level] + 1;
    const int64_t tlayers = cfg.reverse_transformer_layers_per_block.empty()
                                ? cfg.transformer_layers_per_block[level]
                                : cfg.reverse_transformer_layers_per_block[i];
    UpBlock b;
    for (int64_t j = 0; j < layers; ++j) {
      const int64_t skip_ch = j == layers - 1 ? in_ch : out_ch;
      const int64_t res_in = j == 0 ? prev_out : out_ch;
      b.resnets.emplace_back();
      b.resnets.back().bind(ps, prefix + ".resnets." + std::to_string(j), res_in + skip_ch, out_ch, temb, groups, eps);
      if (attn) b.attentions.push_back(transformer(prefix + ".attentions." + std::to_string(j), out_ch, level, tlayers));
    }
    if (i + 1 < levels) {
      b.has_upsampler = true;
      b.upsampler.bind(ps, prefix + ".upsamplers.0", out_ch);
    }
    u.up_blocks_.push_back(std::move(b));
  }

  u.conv_norm_out_.bind(ps, "conv_norm_out", ch[0], groups, eps);
  u.conv_out_.bind(ps, "conv_out", ch[0], cfg.out_channels, 3, 1, 1);
  u.context_memo_ = std::make_shared<ContextMemo>();
  return u;
}

// timestep_cond to [batch, time_cond_proj_dim] in the weights' dtype; undefined when none was given.
at::Tensor UNet2DCondition::time_condition(const at::Tensor& timestep_cond, int64_t batch) const {
  if (!timestep_cond.defined()) return {};
  const int64_t dim = config_.time_cond_proj_dim;
  if (!config_.has_time_cond())
    throw Error("unet: a timestep_cond (guidance embedding) was given, but this UNet has no time_cond_proj_dim");
  at::Tensor c = timestep_cond.to(device(), dtype());
  if (c.dim() == 1) c = c.unsqueeze(0);
  if (c.dim() == 2 && c.size(0) == 1 && batch != 1) c = c.expand({batch, c.size(1)});
  if (c.dim() != 2 || c.size(0) != batch || c.size(1) != dim)
    throw Error("unet: timestep_cond must be [" + std::to_string(batch) + ", " + std::to_string(dim) + "], got " +
                shape_str(timestep_cond.sizes()));
  return c;
}

at::Tensor UNet2DCondition::time_embed(const at::Tensor& timesteps, int64_t batch, const UNetAddedCond* added,
                                       const at::Tensor& timestep_cond) const {
  at::Tensor t = timesteps.to(device(), at::kFloat).reshape({-1});
  if (t.numel() == 1 && batch != 1) t = t.expand({batch});
  if (t.numel() != batch)
    throw Error("unet: " + std::to_string(t.numel()) + " timesteps for a batch of " + std::to_string(batch));
  at::Tensor t_emb = nn::timestep_embedding(t, config_.block_out_channels[0], config_.flip_sin_to_cos,
                                            config_.freq_shift);
  emit("time_proj", t_emb);
  at::Tensor emb = time_embedding_(t_emb.to(dtype()), time_condition(timestep_cond, batch));
  emit("time_embedding", emb);
  if (config_.has_text_time()) {
    if (!added || !added->text_embeds.defined() || !added->time_ids.defined())
      throw Error("unet: this SDXL-type UNet needs text_embeds and time_ids (added conditioning)");
    at::Tensor ids = added->time_ids.to(device(), at::kFloat);
    if (ids.dim() == 1) ids = ids.unsqueeze(0);
    if (ids.size(0) == 1 && batch != 1) ids = ids.expand({batch, ids.size(1)});
    at::Tensor text = added->text_embeds.to(device(), dtype());
    if (text.dim() == 1) text = text.unsqueeze(0);
    if (text.size(0) == 1 && batch != 1) text = text.expand({batch, text.size(1)});
    at::Tensor time_embeds = nn::timestep_embedding(ids.reshape({-1}), config_.addition_time_embed_dim,
                                                    config_.flip_sin_to_cos, config_.freq_shift);
    emit("add_time_proj", time_embeds);
    time_embeds = time_embeds.reshape({batch, -1});
    const int64_t expected = config_.projection_class_embeddings_input_dim;
    if (text.size(0) != batch || text.size(1) + time_embeds.size(1) != expected)
      throw Error("unet: text_embeds " + shape_str(text.sizes()) + " and time_ids " + shape_str(ids.sizes()) +
                  " give " + std::to_string(text.size(1) + time_embeds.size(1)) +
                  " added-conditioning features, the network expects " + std::to_string(expected));
    at::Tensor aug = add_embedding_(at::cat({text, time_embeds.to(dtype())}, -1));
    emit("add_embedding", aug);
    emb = emb + aug;
  }
  return emb;
}

at::Tensor UNet2DCondition::forward(const at::Tensor& sample, const at::Tensor& timesteps,
                                    const at::Tensor& encoder_hidden_states, const UNetAddedCond* added,
                                    const at::Tensor& timestep_cond) const {
  if (at::GradMode::is_enabled() || c10::InferenceMode::is_enabled())
    return forward_impl(sample, timesteps, encoder_hidden_states, added, timestep_cond);
  // Without grad, InferenceMode skips autograd's per-op bookkeeping (about 8% of the embedded model's time).
  // Its results may not be updated in place outside it, so the caller gets an ordinary copy of the output.
  at::Tensor out;
  {
    c10::InferenceMode guard;
    out = forward_impl(sample, timesteps, encoder_hidden_states, added, timestep_cond);
  }
  return out.clone();
}

struct UNet2DCondition::ContextMemo {
  std::mutex mutex;
  nn::TensorStamp source;
  int64_t batch = 0;
  at::Tensor context;
};

namespace {

// To the network's device and dtype, broadcast over the batch, contiguous (the input itself when it already is).
at::Tensor convert_context(const at::Tensor& ehs, int64_t batch, at::Device device, at::ScalarType dtype) {
  at::Tensor context = ehs.to(device, dtype);
  if (context.size(0) == 1 && batch != 1) context = context.expand({batch, context.size(1), context.size(2)});
  if (context.size(0) != batch)
    throw Error("unet: encoder_hidden_states batch " + std::to_string(context.size(0)) + " != sample batch " +
                std::to_string(batch));
  return context.contiguous();
}

}  // namespace

void UNet2DCondition::release_context() const {
  if (context_memo_) {
    std::lock_guard lock(context_memo_->mutex);
    context_memo_->source = {};
    context_memo_->context = at::Tensor();
  }
  auto release = [](const std::vector<nn::Transformer2D>& attentions) {
    for (const auto& a : attentions) a.release_context();
  };
  for (const auto& b : down_blocks_) release(b.attentions);
  release(mid_block_.attentions);
  for (const auto& b : up_blocks_) release(b.attentions);
}

at::Tensor UNet2DCondition::prepared_context(const at::Tensor& ehs, int64_t batch) const {
  // Same conditions as cross-attention's K/V memo: grad off, an input whose changes can be seen.
  if (!context_memo_ || !nn::attention_settings().reuse_context_kv || at::GradMode::is_enabled() ||
      !nn::TensorStamp::stampable(ehs))
    return convert_context(ehs, batch, device(), dtype());
  auto& memo = *context_memo_;
  std::lock_guard lock(memo.mutex);
  if (memo.context.defined() && memo.batch == batch && memo.source.unchanged(ehs)) return memo.context;
  at::Tensor context;
  {
    // an ordinary tensor even under forward's InferenceMode, so cross-attention can keep K/V of it
    c10::InferenceMode ordinary(false);
    at::NoGradGuard no_grad;
    context = convert_context(ehs, batch, device(), dtype());
  }
  if (context.is_same(ehs)) return context;  // already in the network's form: nothing to keep
  memo.source = nn::TensorStamp::of(ehs);
  memo.batch = batch;
  memo.context = context;
  return context;
}

at::Tensor UNet2DCondition::forward_impl(const at::Tensor& sample, const at::Tensor& timesteps,
                                         const at::Tensor& encoder_hidden_states, const UNetAddedCond* added,
                                         const at::Tensor& timestep_cond) const {
  if (sample.dim() != 4 || sample.size(1) != config_.in_channels)
    throw Error("unet: sample must be [B, " + std::to_string(config_.in_channels) + ", H, W], got " +
                shape_str(sample.sizes()));
  if (encoder_hidden_states.dim() != 3 || encoder_hidden_states.size(2) != config_.cross_attention_dim)
    throw Error("unet: encoder_hidden_states must be [B, L, " + std::to_string(config_.cross_attention_dim) +
                "], got " + shape_str(encoder_hidden_states.sizes()));
  const int64_t batch = sample.size(0);
  const at::Tensor context = prepared_context(encoder_hidden_states, batch);

  const at::Tensor emb = time_embed(timesteps, batch, added, timestep_cond);
  const at::Tensor emb_act = at::silu(emb);

  at::Tensor h = conv_in_(sample.to(device(), dtype()));
  emit("conv_in", h);
  std::vector<at::Tensor> skips{h};
  for (size_t i = 0; i < down_blocks_.size(); ++i) {
    const auto& b = down_blocks_[i];
    for (size_t j = 0; j < b.resnets.size(); ++j) {
      h = b.resnets[j](h, emb_act);
      if (!b.attentions.empty()) h = b.attentions[j](h, context);
      skips.push_back(h);
    }
    if (b.has_downsampler) {
      h = b.downsampler(h);
      skips.push_back(h);
    }
    emit("down_blocks." + std::to_string(i), h);
  }

  if (has_mid_) {
    h = mid_block_.resnets[0](h, emb_act);
    for (size_t j = 0; j < mid_block_.attentions.size(); ++j) {
      h = mid_block_.attentions[j](h, context);
      h = mid_block_.resnets[j + 1](h, emb_act);
    }
    emit("mid_block", h);
  }

  for (size_t i = 0; i < up_blocks_.size(); ++i) {
    const auto& b = up_blocks_[i];
    for (size_t j = 0; j < b.resnets.size(); ++j) {
      at::Tensor skip = std::move(skips.back());
      skips.pop_back();
      h = b.resnets[j](at::cat({h, skip}, 1), emb_act);
      if (!b.attentions.empty()) h = b.attentions[j](h, context);
    }
    // Upsample to the next skip's size (x2, or the odd size the down path came from).
    if (b.has_upsampler) h = b.upsampler(h, skips.back().sizes().slice(2));
    emit("up_blocks." + std::to_string(i), h);
  }

  h = nn::group_norm_fp32(h, conv_norm_out_, false);
  emit("conv_norm_out", h);
  h = conv_out_(at::silu(h));
  return h.to(sample.scalar_type());
}

}  // namespace ripen
