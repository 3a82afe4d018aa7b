#include "lora/delta.h"

#include <numeric>

#include "tensors/error.h"
#include "tensors/params.h"

namespace ripen::lora {
namespace {

at::Tensor f32(const Module& m, const char* role) { return m.part(role)->to(at::kFloat); }

int64_t tail_numel(at::IntArrayRef s) {
  return std::accumulate(s.begin() + 1, s.end(), int64_t(1), std::multiplies<int64_t>());
}

[[noreturn]] void misfit(const Module& m, const char* role, at::IntArrayRef patch, at::IntArrayRef weight,
                         const std::string& target) {
  throw Error(m.origin + ": key '" + m.key(role) + "': makes a patch of shape " + shape_str(patch) +
              ", but the model's weight '" + target + "' is " + shape_str(weight) +
              " (a network for another model or architecture?)");
}

// Kernel dims of a patch and a weight agree unless one side is 1×1 (or has none).
bool kernels_fit(at::IntArrayRef patch, at::IntArrayRef weight) {
  auto k = [](at::IntArrayRef s) { return s.size() == 4 ? std::vector<int64_t>{s[2], s[3]} : std::vector<int64_t>{1, 1}; };
  return k(patch) == k(weight);
}

void add_lora(at::Tensor& acc, const Module& m, double factor, const std::string& target) {
  at::Tensor down = f32(m, "down"), up = f32(m, "up");
  const int64_t r = down.size(0);
  if (m.part("mid")) down = at::einsum("abkl,bi->aikl", {f32(m, "mid"), down.reshape({r, -1})});
  std::vector<int64_t> patch{up.size(0)};
  for (int64_t d = 1; d < down.dim(); ++d) patch.push_back(down.size(d));
  const auto w = acc.sizes();
  if (patch[0] != w[0] || tail_numel(patch) != tail_numel(w) || !kernels_fit(patch, w))
    misfit(m, "down", patch, w, target);
  acc.view({w[0], -1}).addmm_(up.reshape({w[0], r}), down.reshape({r, -1}), 1.0, factor);
}

// One LoHa factor, [out, rest]: wa @ wb, or with a Tucker core t [r, r, kh, kw], wa [r, out], wb [r, in].
at::Tensor hada_factor(const Module& m, const char* a, const char* b, const char* t) {
  if (m.part(t))
    return at::einsum("ijkl,jr,ip->prkl", {f32(m, t), f32(m, b), f32(m, a)}).reshape({m.part(a)->size(1), -1});
  return at::mm(f32(m, a), f32(m, b));
}

at::Tensor loha(const Module& m, at::IntArrayRef w, const std::string& target) {
  at::Tensor d = hada_factor(m, "w1a", "w1b", "t1") * hada_factor(m, "w2a", "w2b", "t2");
  std::vector<int64_t> patch = d.sizes().vec();
  if (m.part("t1")) patch = {patch[0], m.part("w1b")->size(1), m.part("t1")->size(2), m.part("t1")->size(3)};
  if (patch[0] != w[0] || tail_numel(patch) != tail_numel(w) || (m.part("t1") && !kernels_fit(patch, w)))
    misfit(m, "w1a", patch, w, target);
  return d.reshape(w);
}

at::Tensor lokr(const Module& m, at::IntArrayRef w, const std::string& target) {
  at::Tensor w1 = m.part("w1") ? f32(m, "w1") : at::mm(f32(m, "w1a"), f32(m, "w1b"));
  at::Tensor w2;
  if (m.part("w2"))
    w2 = f32(m, "w2");
  else if (m.part("t2"))
    w2 = at::einsum("ijkl,ip,jr->prkl", {f32(m, "t2"), f32(m, "w2a"), f32(m, "w2b")});
  else
    w2 = at::mm(f32(m, "w2a"), f32(m, "w2b"));
  // The Kronecker product of [a, c] and [b, d, kh, kw] flattened is that of [a, c] and [b, d·kh·kw].
  std::vector<int64_t> patch{w1.size(0) * w2.size(0), w1.size(1) * w2.size(1)};
  for (int64_t d = 2; d < w2.dim(); ++d) patch.push_back(w2.size(d));
  if (patch[0] != w[0] || tail_numel(patch) != tail_numel(w) || (w2.dim() == 4 && !kernels_fit(patch, w)))
    misfit(m, m.part("w1") ? "w1" : "w1a", patch, w, target);
  return at::kron(w1, w2.reshape({w2.size(0), -1})).reshape(w);
}

}  // namespace

void add_delta(at::Tensor& acc, const Module& m, double factor, const std::string& target) {
  switch (m.kind) {
    case Kind::LoRA: add_lora(acc, m, factor, target); return;
    case Kind::LoHa: acc.add_(loha(m, acc.sizes(), target), factor); return;
    case Kind::LoKr: acc.add_(lokr(m, acc.sizes(), target), factor); return;
  }
}

at::Tensor module_delta(const Module& m, at::IntArrayRef shape, const std::string& target) {
  at::Tensor acc = at::zeros(shape, at::kFloat);
  add_delta(acc, m, 1.0, target);
  return acc;
}

}  // namespace ripen::lora
