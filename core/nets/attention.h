#pragma once
// Multi-head scaled dot-product attention, the part of the UNet where eager libtorch loses most of its CPU time.
// libtorch >= 2: at::scaled_dot_product_attention (flash / memory-efficient kernels where the build has them).
// libtorch 1.13: batched matmuls with the heads folded into the batch, computed in query chunks so that at most
// `score_budget_bytes` of scores exist at once; the scores buffer is reused across chunks and the softmax runs in
// place. In bf16/fp16 the softmax accumulates in fp32 inside ATen's kernel; `upcast` also computes q·k in fp32.
#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <string>

#include "nets/layers.h"

namespace ripen::nn {

struct AttentionSettings {
  // Upper bound on the attention scores held at once (bytes, in the compute dtype). 0 = no chunking.
  // 64 MiB: on this 2-core CPU larger fp32 chunks ran faster (K=40 GEMMs want many rows), bf16 was flat.
  int64_t score_budget_bytes = int64_t{64} << 20;
  // Use at::scaled_dot_product_attention when the libtorch build has it.
  bool use_sdpa = true;
  // Cross-attention keeps the K/V of its last context for reuse (CrossAttention::KvMemo). Benchmarks turn it off
  // to measure without it.
  bool reuse_context_kv = true;
};
// Process-wide settings (benchmarks and the CLI tune them; networks read them per call).
AttentionSettings& attention_settings();

// q: [B, Lq, heads*D], k/v: [B, Lk, heads*D] -> [B, Lq, heads*D]. Scale D^-0.5. `upcast` computes the scores and
// softmax in fp32 (diffusers' upcast_attention) even when q/k are in reduced precision.
at::Tensor multi_head_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                                bool upcast = false);

// How many times a CrossAttention reused the K/V of a repeated context, process-wide (tests and benchmarks).
int64_t context_kv_reuses();

// diffusers' Attention module as used by BasicTransformerBlock: to_q/to_k/to_v without bias, to_out.0 with bias.
struct CrossAttention {
  Linear to_q, to_k, to_v, to_out;
  int64_t heads = 1;
  bool upcast = false;
  // K/V of the last context (cross-attention only; see attention.cpp). Shared by copies, which share the weights.
  struct KvMemo;
  std::shared_ptr<KvMemo> memo;
  // Drops the kept context and its K/V (a generation's end; SDXL at batch 8 keeps ~0.9 GB of fp32 K/V).
  void release_context() const;
  // context_dim == 0: self-attention (keys from the query input).
  void bind(ParamStore& ps, const std::string& prefix, int64_t query_dim, int64_t context_dim, int64_t heads,
            int64_t head_dim, bool upcast_attention);
  at::Tensor operator()(const at::Tensor& x, const at::Tensor& context = {}) const;
};

}  // namespace ripen::nn
