#include "tensors/parallel_gemm.h"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <atomic>

#include "tensors/cpu_isa.h"

namespace ripen {
namespace {

std::atomic<bool> g_enabled{false};

// Below this many multiply-adds a split costs more in thread wake-ups than it saves (measured on the embedded
// model's 16×16 UNet, where the smallest linears are 2×1280 time embeddings).
constexpr int64_t kMinMacs = 1 << 16;

bool applies(std::initializer_list<const at::Tensor*> ts) {
  if (!g_enabled.load(std::memory_order_relaxed) || at::get_num_threads() < 2 || at::in_parallel_region()) return false;
  for (const at::Tensor* t : ts) {
    if (!t->defined()) continue;
    if (!t->is_cpu() || t->scalar_type() != at::kFloat || t->layout() != at::kStrided) return false;
    if (at::GradMode::is_enabled() && t->requires_grad()) return false;
  }
  return true;
}

// ATen's pool threads do not inherit the caller's thread-local modes: the out= calls below must run in the same
// inference mode as the caller or ATen refuses to write inference tensors.
template <class F>
void for_each_slice(int64_t n, F&& body) {
  const bool inference = c10::InferenceMode::is_enabled();
  const int64_t threads = std::min<int64_t>(at::get_num_threads(), n);
  const int64_t grain = (n + threads - 1) / threads;
  at::parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
    c10::InferenceMode inference_guard(inference);
    at::NoGradGuard no_grad;
    body(begin, end);
  });
}

}  // namespace

#ifdef RIPEN_HAVE_OPENMP
void set_parallel_gemm(bool on) { g_enabled.store(on, std::memory_order_relaxed); }
#else
void set_parallel_gemm(bool) {}  // at::parallel_for would run serially here: nothing to gain
#endif
bool parallel_gemm_enabled() { return g_enabled.load(std::memory_order_relaxed); }

at::Tensor parallel_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  if (compute_in_fp32(x) && weight.scalar_type() == at::kBFloat16) {  // tensors/cpu_isa.h
    auto fp32 = [](const at::Tensor& t) { return t.defined() ? t.to(at::kFloat) : t; };
    return parallel_linear(fp32(x), fp32(weight), fp32(bias)).to(at::kBFloat16);
  }
  const int64_t k = weight.size(1), n = weight.size(0);
  const int64_t m = k > 0 ? x.numel() / k : 0;
  if (!applies({&x, &weight, &bias}) || m < 2 * at::get_num_threads() || m * n * k < kMinMacs ||
      x.size(-1) != k) {
    return at::linear(x, weight, bias);
  }
  const at::Tensor x2 = x.reshape({m, k});
  const at::Tensor wt = weight.t();
  std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
  shape.back() = n;
  at::Tensor out = at::empty({m, n}, x.options());
  for_each_slice(m, [&](int64_t begin, int64_t end) {
    at::Tensor o = out.narrow(0, begin, end - begin);
    if (bias.defined()) {
      at::addmm_out(o, bias, x2.narrow(0, begin, end - begin), wt);
    } else {
      at::mm_out(o, x2.narrow(0, begin, end - begin), wt);
    }
  });
  return out.view(shape);
}

at::Tensor parallel_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t budget_bytes) {
  if (!applies({&q, &k, &v}) || q.dim() != 3) return {};
  const int64_t n = q.size(0), lq = q.size(1), lk = k.size(1);
  if (n * lq * lk * q.size(2) < kMinMacs) return {};
  const int64_t threads = at::get_num_threads();
  // Work items: (batch-head, row chunk). Rows are cut so there are at least as many items as threads and one
  // item's scores fit its share of the budget.
  const int64_t row_bytes = lk * static_cast<int64_t>(sizeof(float));
  int64_t rows = lq;
  if (budget_bytes > 0) rows = std::clamp<int64_t>(budget_bytes / threads / row_bytes, 1, lq);
  if (n < threads) rows = std::min(rows, std::max<int64_t>(1, (lq + threads - 1) / threads));
  const int64_t chunks = (lq + rows - 1) / rows;
  const at::Tensor kt = k.transpose(1, 2);
  at::Tensor out = at::empty({n, lq, v.size(2)}, v.options());
  for_each_slice(n * chunks, [&](int64_t begin, int64_t end) {
    at::Tensor scores = at::empty({rows, lk}, q.options());
    for (int64_t item = begin; item < end; ++item) {
      const int64_t b = item / chunks, start = (item % chunks) * rows, len = std::min(rows, lq - start);
      at::Tensor s = scores.narrow(0, 0, len);
      at::mm_out(s, q[b].narrow(0, start, len), kt[b]);
      at::_softmax_out(s, s, -1, false);
      at::Tensor o = out[b].narrow(0, start, len);
      at::mm_out(o, s, v[b]);
    }
  });
  return out;
}

}  // namespace ripen
