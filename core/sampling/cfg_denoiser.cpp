#include "sampling/cfg_denoiser.h"

#include <algorithm>
#include <cmath>

#include "tensors/error.h"

namespace ripen::sampling {

CfgDenoiser::CfgDenoiser(ModelFn model, std::shared_ptr<const DiscreteSchedule> schedule, CfgDenoiserOptions options)
    : model_(std::move(model)), schedule_(std::move(schedule)), options_(std::move(options)) {
  if (!model_) throw Error("CFG denoiser: no model function");
  if (!schedule_ && options_.timestep_mode != TimestepMode::Table)
    throw Error("CFG denoiser: a discrete schedule is needed to map sigma to t");
}

double CfgDenoiser::timestep(double sigma, int step) const {
  switch (options_.timestep_mode) {
    case TimestepMode::Continuous: return schedule_->sigma_to_t(sigma, false);
    case TimestepMode::Rounded: return schedule_->sigma_to_t(sigma, true);
    case TimestepMode::Table:
      if (!options_.timestep_sigmas.empty()) {
        const auto& s = options_.timestep_sigmas;
        const auto it = std::find(s.begin(), s.end(), sigma);
        if (it == s.end() || size_t(it - s.begin()) >= options_.timestep_table.size())
          return schedule_->sigma_to_t(sigma, false);
        return options_.timestep_table[size_t(it - s.begin())];
      }
      if (step < 0 || size_t(step) >= options_.timestep_table.size())
        throw Error("CFG denoiser: no timestep for step " + std::to_string(step) + " in the table");
      return options_.timestep_table[size_t(step)];
  }
  return 0;
}

at::Tensor CfgDenoiser::operator()(const at::Tensor& x, double sigma, int step) const {
  const double w = options_.guidance.at(step);
  const bool both = w != 1.0;
  const int64_t b = x.size(0);
  const double c_in = 1.0 / std::sqrt(sigma * sigma + 1.0);
  const at::Tensor x_scaled = x * c_in;
  at::Tensor x_in = both ? at::cat({x_scaled, x_scaled}, 0) : x_scaled;
  const double t_model = timestep(sigma, step);
  at::Tensor t = at::full({x_in.size(0)}, t_model, x.options().dtype(at::kFloat));
  at::Tensor out = model_(x_in, t, both ? CondBatch::UncondAndCond : CondBatch::CondOnly);
  ++*calls_;
  *samples_ += x_in.size(0);
  if (out.size(0) != x_in.size(0)) throw Error("CFG denoiser: the model returned a different batch size");
  if (both) {
    at::Tensor uncond = out.narrow(0, 0, b), cond = out.narrow(0, b, b);
    out = uncond + (cond - uncond) * w;
  }
  out = out.to(x.scalar_type());
  const double s2 = sigma * sigma + 1.0;
  at::Tensor x0 = options_.prediction == Prediction::Epsilon ? x - out * sigma
                                                             : x * (1.0 / s2) - out * (sigma / std::sqrt(s2));
  if (!options_.consistency) return x0;
  const auto c = boundary_scalings(*options_.consistency, t_model);
  return x0 * c.c_out + x_scaled * c.c_skip;
}

Denoiser CfgDenoiser::as_denoiser() const {
  return [this](const at::Tensor& x, double sigma, int step) { return (*this)(x, sigma, step); };
}

}  // namespace ripen::sampling
