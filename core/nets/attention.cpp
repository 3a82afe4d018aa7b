#include "nets/attention.h"
#include <ATen/core/grad_mode.h>

#include <torch/version.h>

#include "nets/tensor_stamp.h"
#include "tensors/cpu_isa.h"
#include "tensors/parallel_gemm.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <mutex>
#include <utility>

namespace ripen::nn {

AttentionSettings& attention_settings() {
  static AttentionSettings settings;
  return settings;
}

namespace {

// [B, L, H*D] -> [B*H, L, D] (contiguous)
at::Tensor fold_heads(const at::Tensor& x, int64_t heads) {
  const auto b = x.size(0), l = x.size(1), d = x.size(2) / heads;
  return x.view({b, l, heads, d}).transpose(1, 2).reshape({b * heads, l, d});
}

// [B*H, L, D] -> [B, L, H*D]
at::Tensor unfold_heads(const at::Tensor& x, int64_t heads) {
  const auto bh = x.size(0), l = x.size(1), d = x.size(2);
  return x.view({bh / heads, heads, l, d}).transpose(1, 2).reshape({bh / heads, l, heads * d});
}

// q already scaled; all [N, L, D]. The scores chunk lives in one reused buffer in q's dtype, softmax in place.
// ATen's softmax kernels accumulate in fp32 for bf16/fp16 (measured on CPU 1.13: the bf16 result differs from an
// fp32 softmax only by the final rounding), so reduced precision needs no conversion pass over the scores.
at::Tensor chunked_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t budget) {
  if (at::Tensor o = parallel_attention(q, k, v, budget); o.defined()) return o;
  const auto n = q.size(0), lq = q.size(1), lk = k.size(1);
  const int64_t row_bytes = n * lk * static_cast<int64_t>(q.element_size());
  const int64_t chunk = budget > 0 ? std::clamp<int64_t>(budget / std::max<int64_t>(row_bytes, 1), 1, lq) : lq;
  const at::Tensor kt = k.transpose(1, 2);
  at::Tensor out = at::empty({n, lq, v.size(2)}, v.options());
  at::Tensor scores = at::empty({n * chunk * lk}, q.options());
  const bool cast_probs = v.scalar_type() != q.scalar_type();  // upcast scores, reduced-precision values
  for (int64_t start = 0; start < lq; start += chunk) {
    const int64_t len = std::min(chunk, lq - start);
    // the first n*len*lk elements of the buffer, so every chunk is contiguous
    at::Tensor s = scores.narrow(0, 0, n * len * lk).view({n, len, lk});
    at::bmm_out(s, q.narrow(1, start, len), kt);
    at::_softmax_out(s, s, -1, false);
    at::Tensor o = out.narrow(1, start, len);
    if (o.is_contiguous() && !cast_probs) {
      at::bmm_out(o, s, v);
    } else {
      o.copy_(at::bmm(cast_probs ? s.to(v.scalar_type()) : s, v));
    }
  }
  return out;
}

}  // namespace

at::Tensor multi_head_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                                bool upcast) {
  // bf16 products that ATen would hand to a refusing oneDNN or accumulate in bf16 (tensors/cpu_isa.h): fp32 whole.
  if (compute_in_fp32(q))
    return multi_head_attention(q.to(at::kFloat), k.to(at::kFloat), v.to(at::kFloat), heads, upcast).to(q.scalar_type());
  const auto& settings = attention_settings();
  const int64_t head_dim = q.size(2) / heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
  const bool reduced = q.scalar_type() != at::kFloat && q.scalar_type() != at::kDouble;
#if TORCH_VERSION_MAJOR >= 2
  if (settings.use_sdpa && !(upcast && reduced)) {
    const auto b = q.size(0);
    auto split = [&](const at::Tensor& x) { return x.view({b, x.size(1), heads, head_dim}).transpose(1, 2); };
    at::Tensor o = at::scaled_dot_product_attention(split(q), split(k), split(v));
    return o.transpose(1, 2).reshape({b, q.size(1), heads * head_dim});
  }
#endif
  if (at::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad())) {
    // Training (core/training): plain differentiable ops; the chunked path below writes into reused buffers.
    at::Tensor scores = at::bmm(fold_heads(q, heads).mul(scale), fold_heads(k, heads).transpose(1, 2));
    at::Tensor probs = at::softmax(upcast && reduced ? scores.to(at::kFloat) : scores, -1).to(v.scalar_type());
    return unfold_heads(at::bmm(probs, fold_heads(v, heads)), heads);
  }
  at::Tensor qf = fold_heads(q, heads);
  qf.mul_(scale);
  at::Tensor kf = fold_heads(k, heads), vf = fold_heads(v, heads);
  if (upcast && reduced) {
    // upcast_attention: scores from fp32 operands, as diffusers does
    at::Tensor o = chunked_attention(qf.to(at::kFloat), kf.to(at::kFloat), vf, settings.score_budget_bytes);
    return unfold_heads(o, heads);
  }
  return unfold_heads(chunked_attention(qf, kf, vf, settings.score_budget_bytes), heads);
}

// K/V of the last context one cross-attention layer saw. The pipeline passes the same conditioning tensor to all
// 20-60 UNet calls of a generation, so to_k/to_v of it need computing once. Memory: each layer holds one context
// (and its K/V) until a different context arrives or the network is destroyed.
struct CrossAttention::KvMemo {
  using Inputs = std::array<const at::Tensor*, 5>;  // context, to_k.weight, to_k.bias, to_v.weight, to_v.bias
  std::mutex mutex;
  std::array<TensorStamp, 5> stamps;
  at::Tensor k, v;  // read-only downstream: multi_head_attention never writes into k or v

  bool matches(const Inputs& in) const {
    for (size_t i = 0; i < in.size(); ++i)
      if (!stamps[i].unchanged(*in[i])) return false;
    return k.defined();
  }
  void store(const Inputs& in, const at::Tensor& k_, const at::Tensor& v_) {
    for (size_t i = 0; i < in.size(); ++i) stamps[i] = TensorStamp::of(*in[i]);
    k = k_;
    v = v_;
  }
};

namespace {

std::atomic<int64_t> g_context_kv_reuses{0};

// Only without grad mode (the pipeline's NoGradGuard, the UNet's InferenceMode): with it on, K/V must come from
// this call's graph, and K/V cached inside InferenceMode could not even be saved for backward. Inference tensors
// have no version counter, so a change to them could not be seen.
bool memo_applies(const CrossAttention& a, const CrossAttention::KvMemo::Inputs& in) {
  if (!a.memo || !attention_settings().reuse_context_kv || at::GradMode::is_enabled()) return false;
  return std::all_of(in.begin(), in.end(), [](const at::Tensor* t) { return TensorStamp::stampable(*t); });
}

std::pair<at::Tensor, at::Tensor> context_kv(const CrossAttention& a, const at::Tensor& context) {
  const CrossAttention::KvMemo::Inputs in{&context, &a.to_k.weight, &a.to_k.bias, &a.to_v.weight, &a.to_v.bias};
  if (!memo_applies(a, in)) return {a.to_k(context), a.to_v(context)};
  auto& memo = *a.memo;
  {
    std::lock_guard lock(memo.mutex);
    if (memo.matches(in)) {
      ++g_context_kv_reuses;
      return {memo.k, memo.v};
    }
  }
  at::Tensor k = a.to_k(context), v = a.to_v(context);  // outside the lock: other layers' threads need not wait
  std::lock_guard lock(memo.mutex);
  memo.store(in, k, v);
  return {k, v};
}

}  // namespace

int64_t context_kv_reuses() { return g_context_kv_reuses.load(); }

void CrossAttention::bind(ParamStore& ps, const std::string& prefix, int64_t query_dim, int64_t context_dim,
                          int64_t heads_, int64_t head_dim, bool upcast_attention) {
  heads = heads_;
  upcast = upcast_attention;
  const int64_t inner = heads * head_dim;
  const int64_t kv_dim = context_dim > 0 ? context_dim : query_dim;
  to_q.bind(ps, key(prefix, "to_q"), query_dim, inner, false);
  to_k.bind(ps, key(prefix, "to_k"), kv_dim, inner, false);
  to_v.bind(ps, key(prefix, "to_v"), kv_dim, inner, false);
  to_out.bind(ps, key(prefix, "to_out.0"), inner, query_dim, true);
  memo = context_dim > 0 ? std::make_shared<KvMemo>() : nullptr;
}

void CrossAttention::release_context() const {
  if (!memo) return;
  std::lock_guard lock(memo->mutex);
  memo->stamps = {};
  memo->k = memo->v = at::Tensor();
}

at::Tensor CrossAttention::operator()(const at::Tensor& x, const at::Tensor& context) const {
  if (!context.defined()) return to_out(multi_head_attention(to_q(x), to_k(x), to_v(x), heads, upcast));
  const auto [k, v] = context_kv(*this, context);
  return to_out(multi_head_attention(to_q(x), k, v, heads, upcast));
}

}  // namespace ripen::nn
