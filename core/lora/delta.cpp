#include "lora/delta.h"

#include <cfloat>
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

// One LoHa factor, [out, rest]: wa @ wb, or with a Tucker core t [r, r, kh, kw], wa [r, out], wb [r, in].
at::Tensor hada_factor(const Module& m, const char* a, const char* b, const char* t) {
  if (m.part(t))
    return at::einsum("ijkl,jr,ip->prkl", {f32(m, t), f32(m, b), f32(m, a)}).reshape({m.part(a)->size(1), -1});
  return at::mm(f32(m, a), f32(m, b));
}

at::Tensor loha(const Module& m, at::IntArrayRef w) {
  return (hada_factor(m, "w1a", "w1b", "t1") * hada_factor(m, "w2a", "w2b", "t2")).reshape(w);
}

at::Tensor lokr(const Module& m, at::IntArrayRef w) {
  at::Tensor w1 = m.part("w1") ? f32(m, "w1") : at::mm(f32(m, "w1a"), f32(m, "w1b"));
  at::Tensor w2;
  if (m.part("w2"))
    w2 = f32(m, "w2");
  else if (m.part("t2"))
    w2 = at::einsum("ijkl,ip,jr->prkl", {f32(m, "t2"), f32(m, "w2a"), f32(m, "w2b")});
  else
    w2 = at::mm(f32(m, "w2a"), f32(m, "w2b"));
  // The Kronecker product of [a, c] and [b, d, kh, kw] flattened is that of [a, c] and [b, d·kh·kw].
  return at::kron(w1, w2.reshape({w2.size(0), -1})).reshape(w);
}

std::vector<int64_t> sizes(const Module& m, const char* role) { return m.part(role)->sizes().vec(); }

// The patch's shape from its parts' shapes alone (no arithmetic), and the part a misfit is reported on.
std::pair<std::vector<int64_t>, const char*> shape_and_role(const Module& m) {
  switch (m.kind) {
    case Kind::LoRA: {
      std::vector<int64_t> p{m.part("up")->size(0)}, down = sizes(m, "down");
      p.insert(p.end(), down.begin() + 1, down.end());
      if (m.part("mid")) p = {p[0], down[1], m.part("mid")->size(2), m.part("mid")->size(3)};
      return {p, "down"};
    }
    case Kind::LoHa:
      if (m.part("t1"))
        return {{m.part("w1a")->size(1), m.part("w1b")->size(1), m.part("t1")->size(2), m.part("t1")->size(3)}, "w1a"};
      return {{m.part("w1a")->size(0), m.part("w1b")->size(1)}, "w1a"};
    case Kind::LoKr: {
      std::vector<int64_t> w1 = m.part("w1") ? sizes(m, "w1") : std::vector<int64_t>{m.part("w1a")->size(0), m.part("w1b")->size(1)};
      std::vector<int64_t> w2 = m.part("w2")   ? sizes(m, "w2")
                                : m.part("t2") ? std::vector<int64_t>{m.part("w2a")->size(1), m.part("w2b")->size(1),
                                                                      m.part("t2")->size(2), m.part("t2")->size(3)}
                                               : std::vector<int64_t>{m.part("w2a")->size(0), m.part("w2b")->size(1)};
      std::vector<int64_t> p{w1[0] * w2[0], w1[1] * w2[1]};
      p.insert(p.end(), w2.begin() + 2, w2.end());
      return {p, m.part("w1") ? "w1" : "w1a"};
    }
  }
  return {{}, "down"};
}

// Whether a DoRA module's magnitudes are per output row (else per input channel); throws when they fit neither.
bool dora_on_out(const Module& m, at::IntArrayRef weight, const std::string& target) {
  const at::Tensor& d = *m.part("dora");
  if (d.numel() == weight[0] && (!m.lycoris_dora() || d.size(0) == weight[0])) return true;
  if (m.lycoris_dora() && weight.size() >= 2 && d.dim() >= 2 && d.size(0) == 1 && d.numel() == weight[1]) return false;
  throw Error(m.origin + ": key '" + m.key("dora") + "': DoRA magnitudes of shape " + shape_str(d.sizes()) +
              " fit neither the output rows nor the input channels of the model's weight '" + target + "' " +
              shape_str(weight));
}

// W_d − W₀ for a DoRA module, [out, rest]; delta = scale · ΔW, [out, rest].
at::Tensor dora_delta(const Module& m, at::IntArrayRef weight, const std::string& target, const at::Tensor& w0,
                      const at::Tensor& delta) {
  const bool on_out = dora_on_out(m, weight, target);
  const at::Tensor d = m.part("dora")->to(at::kFloat);
  at::Tensor merged = (w0 + delta).reshape(weight);
  std::vector<int64_t> dims, shape(weight.size(), 1);
  for (int64_t i = on_out ? 1 : 0; i < int64_t(weight.size()); ++i)
    if (on_out || i != 1) dims.push_back(i);
  shape[on_out ? 0 : 1] = d.numel();
  at::Tensor norm = at::linalg_vector_norm(merged, 2, dims, /*keepdim=*/true);
  if (m.lycoris_dora()) norm = norm + FLT_EPSILON;
  return (merged * (d.reshape(shape) / norm)).reshape({weight[0], -1}) - w0;
}

}  // namespace

std::vector<int64_t> patch_shape(const Module& m) { return shape_and_role(m).first; }

void check_fits(const Module& m, at::IntArrayRef weight, const std::string& target) {
  const auto [patch, role] = shape_and_role(m);
  // A 2-D LoHa / LoKr product may stand for a k×k conv (LyCORIS stores w1b as [r, in·kh·kw]).
  const bool flat_ok = m.kind != Kind::LoRA && patch.size() == 2;
  if (patch[0] != weight[0] || tail_numel(patch) != tail_numel(weight) || (!flat_ok && !kernels_fit(patch, weight)))
    misfit(m, role, patch, weight, target);
  if (m.part("dora")) dora_on_out(m, weight, target);
}

RowDelta::RowDelta(const Module& m, at::IntArrayRef weight, const std::string& target, double scale,
                   const at::Tensor& w0)
    : scale_(scale) {
  check_fits(m, weight, target);
  if (m.part("dora") && w0.defined()) {
    RowDelta plain(m, weight, target, scale);
    at::Tensor delta = at::zeros({weight[0], tail_numel(weight)}, at::kFloat);
    plain.add_to(delta, 0, 1.0);
    full_ = dora_delta(m, weight, target, w0, delta);
    scale_ = 1;
    return;
  }
  switch (m.kind) {
    case Kind::LoRA: {
      at::Tensor down = f32(m, "down");
      const int64_t r = down.size(0);
      if (m.part("mid")) down = at::einsum("abkl,bi->aikl", {f32(m, "mid"), down.reshape({r, -1})});
      up_ = f32(m, "up").reshape({weight[0], r}).contiguous();
      down_ = down.reshape({r, -1}).contiguous();
      return;
    }
    case Kind::LoHa: full_ = loha(m, weight).reshape({weight[0], -1}); return;
    case Kind::LoKr: full_ = lokr(m, weight).reshape({weight[0], -1}); return;
  }
}

void RowDelta::add_to(at::Tensor& rows, int64_t first, double multiplier) const {
  const int64_t n = rows.size(0);
  const double factor = multiplier * scale_;
  if (full_.defined())
    rows.add_(full_.narrow(0, first, n), factor);
  else
    rows.addmm_(up_.narrow(0, first, n), down_, 1.0, factor);
}

void add_delta(at::Tensor& acc, const Module& m, double factor, const std::string& target) {
  at::Tensor rows = acc.view({acc.size(0), -1});
  RowDelta(m, acc.sizes(), target, 1.0).add_to(rows, 0, factor);
}

at::Tensor module_delta(const Module& m, at::IntArrayRef shape, const std::string& target) {
  at::Tensor acc = at::zeros(shape, at::kFloat);
  add_delta(acc, m, 1.0, target);
  return acc;
}

}  // namespace ripen::lora
