#pragma once
// ΔW of one module, in fp32, added to a weight: acc += factor · ΔW, with factor = multiplier · alpha / rank.
//   LoRA   ΔW = up @ down; a k×k conv down and 1×1 up compose to ΔW[o,i,kh,kw] = Σ_r up[o,r] · down[r,i,kh,kw];
//          with a lora_mid (LoCon's CP form) down becomes Σ_b mid[a,b,kh,kw] · down[b,i] first
//   LoHa   ΔW = (w1a @ w1b) ⊙ (w2a @ w2b); Tucker form: each factor is Σ_ij t[i,j,…] · wa[i,p] · wb[j,q]
//   LoKr   ΔW = w1 ⊗ w2 (Kronecker), w1 = lokr_w1 or w1a @ w1b, w2 = lokr_w2, w2a @ w2b or the Tucker form
// reshaped to the weight's shape (a 1×1 conv and a Linear take the same numbers).
// DoRA (any kind with a `dora` part d): W'' = W₀ + scale · ΔW is rescaled to the file's magnitudes, per output row
// (PEFT's lora_magnitude_vector [out]; LyCORIS's dora_scale [out, 1, …]) or per input channel (dora_scale
// [1, in, …], LyCORIS with wd_on_out off): W_d = W'' · d / (‖W''‖ + ε), ε = fp32 epsilon for LyCORIS and 0 for
// PEFT, as each computes it. The network then adds m · (W_d − W₀): at m = 1 exactly LyCORIS's and PEFT's merge, and
// like A1111 and ComfyUI a multiplier moves between the base model (0) and that merge, also when stacked. A patch whose shape does not
// fit the weight throws ripen::Error naming the file's key and the model's, with both shapes.
#include <ATen/ATen.h>

#include <string>

#include "lora/network_file.h"

namespace ripen::lora {

// The shape of a module's patch from its parts' shapes alone ([out, in] or [out, in, kh, kw]; a LoHa / LoKr product
// may be [out, in·kh·kw] for a conv).
std::vector<int64_t> patch_shape(const Module& m);

// Throws the misfit error add_delta would, from the parts' shapes alone (checked for every module before any merge).
void check_fits(const Module& m, at::IntArrayRef weight, const std::string& target);

// A module's ΔW made ready to be added a block of rows at a time (the merge keeps one small fp32 block per thread
// in cache instead of an fp32 copy of each weight): a LoRA as its fp32 factors up [out, r] and down [r, rest]
// (lora_mid folded in), so each block is one fused addmm; LoHa / LoKr as ΔW itself, [out, rest].
// A DoRA module (needs W₀) is made whole: W_d − W₀ (its `scale` inside).
class RowDelta {
 public:
  // w0: W₀ in fp32, [out, rest]; used (and needed) only by a DoRA module.
  RowDelta(const Module& m, at::IntArrayRef weight, const std::string& target, double scale, const at::Tensor& w0 = {});
  // rows: fp32 [n, rest], the weight's rows first … first + n - 1 flattened; rows += multiplier · (its contribution).
  void add_to(at::Tensor& rows, int64_t first, double multiplier) const;

 private:
  at::Tensor up_, down_, full_;
  double scale_ = 1;
};

// acc: fp32, contiguous, the shape of the weight `target` (component: key, for messages); acc += factor · ΔW
// (the product alone: no alpha, no DoRA rescaling).
void add_delta(at::Tensor& acc, const Module& m, double factor, const std::string& target);

// ΔW itself (factor 1, no alpha), shaped like `shape`: tests and `ripen-cli info`.
at::Tensor module_delta(const Module& m, at::IntArrayRef shape, const std::string& target = "weight");

}  // namespace ripen::lora
