#include "tensors/params.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <sstream>

#include "tensors/error.h"

namespace ripen {

namespace {
// [O, I] vs [O, I, 1, 1]: LDM files store some projections as 1x1 convolutions, diffusers as linear.
bool is_1x1_conv_vs_linear(at::IntArrayRef a, at::IntArrayRef b) {
  if (a.size() == 4 && b.size() == 2) std::swap(a, b);
  return a.size() == 2 && b.size() == 4 && b[2] == 1 && b[3] == 1 && a[0] == b[0] && a[1] == b[1];
}
}  // namespace

std::string shape_str(at::IntArrayRef shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  s << ']';
  return s.str();
}

ParamStore ParamStore::from_tensors(std::map<std::string, at::Tensor> source, std::string origin, at::TensorOptions target) {
  ParamStore p;
  p.loading_ = true;
  p.origin_ = std::move(origin);
  p.target_ = target;
  p.source_ = std::move(source);
  return p;
}

ParamStore ParamStore::random(uint64_t seed, at::TensorOptions target) {
  ParamStore p;
  p.loading_ = false;
  p.origin_ = "random init";
  p.target_ = target;
  p.gen_ = at::detail::createCPUGenerator(seed);
  return p;
}

std::optional<std::vector<int64_t>> ParamStore::source_shape(const std::string& key) const {
  auto it = source_.find(key);
  if (it == source_.end()) return std::nullopt;
  return it->second.sizes().vec();
}

at::Tensor ParamStore::take(const std::string& key, at::IntArrayRef shape, Init init, int64_t fan_in) {
  auto t = take_optional(key, shape, true, init, fan_in);
  if (!t) {
    missing_.push_back(key);
    auto placeholder = at::zeros(shape, target_);
    params_.emplace_back(key, placeholder);
    return placeholder;
  }
  return *t;
}

std::optional<at::Tensor> ParamStore::take_optional(const std::string& key, at::IntArrayRef shape, bool create_when_random,
                                                    Init init, int64_t fan_in) {
  at::Tensor t;
  if (loading_) {
    auto it = source_.find(key);
    if (it == source_.end()) return std::nullopt;
    used_[key] = true;
    at::Tensor src = it->second;
    if (src.sizes() != shape) {
      // 1x1 convolutions stored as linear (and back) are the same numbers: accept them.
      if (is_1x1_conv_vs_linear(src.sizes(), shape)) {
        src = src.reshape(shape);
      } else {
        mismatched_.push_back("key '" + key + "': expected " + shape_str(shape) + ", file has " + shape_str(src.sizes()));
        t = at::zeros(shape, target_);
        params_.emplace_back(key, t);
        return t;
      }
    }
    t = src.to(target_.device(), target_.dtype().toScalarType(), false, false);
  } else {
    if (!create_when_random) return std::nullopt;
    auto cpu = at::TensorOptions().dtype(at::kFloat);
    switch (init) {
      case Init::Zeros: t = at::zeros(shape, cpu); break;
      case Init::Ones: t = at::ones(shape, cpu); break;
      case Init::Normal: t = at::normal(0.0, 0.02, shape, gen_, cpu); break;
      case Init::Uniform: {
        int64_t fan = fan_in;
        if (fan <= 0) fan = shape.size() > 1 ? c10::multiply_integers(shape.begin() + 1, shape.end()) : shape[0];
        double bound = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(fan, 1)));
        t = at::empty(shape, cpu).uniform_(-bound, bound, gen_);
        break;
      }
    }
    t = t.to(target_.device(), target_.dtype().toScalarType());
  }
  params_.emplace_back(key, t);
  return t;
}

void ParamStore::finish(const std::vector<std::string>& ignore_prefixes) {
  std::vector<std::string> unexpected;
  for (const auto& [k, v] : source_) {
    if (used_.count(k)) continue;
    bool ignored = false;
    for (const auto& p : ignore_prefixes)
      if (k.rfind(p, 0) == 0) ignored = true;
    if (!ignored) unexpected.push_back(k);
  }
  if (missing_.empty() && mismatched_.empty() && unexpected.empty()) {
    source_.clear();  // drop references to the source mapping that are no longer needed
    return;
  }
  std::ostringstream msg;
  msg << origin_ << ": checkpoint does not match the network";
  auto list = [&](const char* what, const std::vector<std::string>& keys) {
    if (keys.empty()) return;
    msg << "\n  " << what << " (" << keys.size() << "):";
    size_t shown = 0;
    for (const auto& k : keys) {
      if (++shown > 20) {
        msg << "\n    ... and " << keys.size() - 20 << " more";
        break;
      }
      msg << "\n    " << k;
    }
  };
  list("wrong shapes", mismatched_);
  list("missing keys", missing_);
  list("unexpected keys", unexpected);
  throw Error(msg.str());
}

std::map<std::string, at::Tensor> ParamStore::param_map() const {
  std::map<std::string, at::Tensor> m;
  for (const auto& [k, v] : params_) m[k] = v;
  return m;
}

}  // namespace ripen
