#pragma once
// ParamStore: the one place where network parameters come from. Network modules declare each parameter
// by its checkpoint key and shape (`take`), so the same declaration serves three uses:
//  - loading: the tensor is taken from a source map (a checkpoint, after key renaming), its shape checked;
//  - random init: a full-size network with random weights (benchmarks, training from scratch);
//  - training: `params()` lists every declared tensor in order, for optimizers, EMA and saving.
// Problems are collected, not thrown one by one, so `finish()` can report every missing, unexpected and
// mis-shaped key at once ("unet: missing keys: ...; unexpected keys: ...; key 'x': expected [..], file has [..]").
#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ripen {

enum class Init { Normal, Zeros, Ones, Uniform };  // Uniform: kaiming-like U(-1/sqrt(fan_in), 1/sqrt(fan_in))

class ParamStore {
 public:
  // Loads from tensors (already renamed to the network's keys). `origin` names the file(s) for errors.
  static ParamStore from_tensors(std::map<std::string, at::Tensor> source, std::string origin,
                                 at::TensorOptions target = at::TensorOptions().dtype(at::kFloat));
  // Creates random parameters (deterministic per seed).
  static ParamStore random(uint64_t seed, at::TensorOptions target = at::TensorOptions().dtype(at::kFloat));

  // Declares parameter `key` of `shape`. Loading: returns the source tensor converted to the target options
  // (zero-copy when dtype and device already match). A missing key or wrong shape is recorded and an
  // empty-valued placeholder of the right shape returned, so declaration can continue.
  at::Tensor take(const std::string& key, at::IntArrayRef shape, Init init = Init::Uniform, int64_t fan_in = 0);
  // As take, but absent keys are fine (returns nullopt when loading and absent; random mode creates it
  // only when `create_when_random`).
  std::optional<at::Tensor> take_optional(const std::string& key, at::IntArrayRef shape, bool create_when_random,
                                          Init init = Init::Uniform, int64_t fan_in = 0);
  bool loading() const { return loading_; }
  bool has(const std::string& key) const { return source_.count(key) != 0; }
  // Peek at a source tensor's shape without consuming it (architecture inference).
  std::optional<std::vector<int64_t>> source_shape(const std::string& key) const;

  // Throws ripen::Error listing all problems. Keys matching any `ignore` prefix are not "unexpected".
  void finish(const std::vector<std::string>& ignore_prefixes = {});

  const std::vector<std::pair<std::string, at::Tensor>>& params() const { return params_; }
  std::map<std::string, at::Tensor> param_map() const;
  const at::TensorOptions& options() const { return target_; }

 private:
  bool loading_ = true;
  std::string origin_;
  at::TensorOptions target_;
  std::map<std::string, at::Tensor> source_;
  std::map<std::string, bool> used_;
  std::vector<std::string> missing_, mismatched_;
  std::vector<std::pair<std::string, at::Tensor>> params_;
  at::Generator gen_;
};

std::string shape_str(at::IntArrayRef shape);

}  // namespace ripen
