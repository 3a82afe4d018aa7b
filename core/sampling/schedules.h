#pragma once
// σ schedules. Every returned sequence is decreasing and ends with σ = 0. Values are computed with the same
// float32 tensor arithmetic as k-diffusion / diffusers (so they match those libraries to the last bit) and
// handed out as doubles.
#include <ATen/ATen.h>

#include <functional>
#include <string>
#include <vector>

#include "sampling/registry_names.h"

namespace ripen::sampling {

// Karras et al. (2022): (σmax^(1/ρ) + ramp·(σmin^(1/ρ) − σmax^(1/ρ)))^ρ, ramp = linspace(0, 1, n) in fp32.
std::vector<double> karras_sigmas(int n, double sigma_min, double sigma_max, double rho = 7.0);
// exp(linspace(log σmax, log σmin, n)) in fp32.
std::vector<double> exponential_sigmas(int n, double sigma_min, double sigma_max);

// SD's "scaled_linear" betas: β = linspace(√β0, √β1, T)². Diffusers computes everything in float32 (returns
// float32 ᾱ); CompVis LDM in float64 (returns float64 ᾱ; LDM stores it as a float32 buffer).
enum class BetaPrecision { DiffusersFloat32, LdmFloat64 };
at::Tensor scaled_linear_alphas_cumprod(BetaPrecision precision, int steps = 1000, double beta_start = 0.00085,
                                        double beta_end = 0.012);
at::Tensor scaled_linear_betas(BetaPrecision precision, int steps = 1000, double beta_start = 0.00085,
                               double beta_end = 0.012);

// A model's discrete noise levels σ_t = sqrt((1 − ᾱ_t)/ᾱ_t), t = 0..T−1 (ascending), and the continuous
// σ ↔ t maps of k-diffusion's DiscreteSchedule (linear interpolation in log σ; all in float32).
class DiscreteSchedule {
 public:
  explicit DiscreteSchedule(const at::Tensor& alphas_cumprod);  // converted to float32 first
  // SD 1.x/2.x/XL: scaled_linear 0.00085–0.012, 1000 steps; LDM precision by default (what k-diffusion,
  // A1111 and ComfyUI use with single-file checkpoints).
  static DiscreteSchedule stable_diffusion(BetaPrecision precision = BetaPrecision::LdmFloat64);

  const at::Tensor& alphas_cumprod() const { return alphas_cumprod_; }  // float32 [T]
  const at::Tensor& sigmas() const { return sigmas_; }                  // float32 [T], ascending
  int64_t size() const { return sigmas_.size(0); }
  double sigma_min() const;
  double sigma_max() const;

  // Continuous t for σ (or the nearest integer t when quantize).
  at::Tensor sigma_to_t(const at::Tensor& sigma, bool quantize = false) const;
  double sigma_to_t(double sigma, bool quantize = false) const;
  at::Tensor t_to_sigma(const at::Tensor& t) const;
  double t_to_sigma(double t) const;
  // k-diffusion's get_sigmas(n): t = linspace(T−1, 0, n) mapped to σ, then 0 appended.
  std::vector<double> get_sigmas(int n) const;

 private:
  at::Tensor alphas_cumprod_, sigmas_, log_sigmas_;
};

// Diffusers' EulerDiscreteScheduler.set_timesteps (v0.30): the timesteps the UNet sees, σ by linear
// interpolation of the σ table at those t (then float32), 0 appended, and init_noise_sigma.
enum class TimestepSpacing { Linspace, Leading, Trailing };
TimestepSpacing timestep_spacing_from_string(const std::string& name);  // "linspace" | "leading" | "trailing"
struct DiffusersTimesteps {
  std::vector<double> timesteps;  // n values (float32-exact), decreasing
  std::vector<double> sigmas;     // n + 1 values, last 0
  double init_noise_sigma = 1.0;  // σmax for linspace/trailing, sqrt(σmax² + 1) for leading
};
DiffusersTimesteps diffusers_euler_timesteps(const at::Tensor& alphas_cumprod, int n, TimestepSpacing spacing,
                                             int steps_offset = 1);

// The schedule registry (schedule_registry.cpp), the one list of schedule names (registry_names.h lists them
// without libtorch): "karras", "exponential" (σmin/σmax of the model) or "discrete" (k-diffusion's get_sigmas),
// each a builder of n steps over a model's σ range.
using ScheduleFn = std::function<std::vector<double>(int n, const DiscreteSchedule& model, double rho)>;
struct ScheduleInfo {
  std::string name;
  ScheduleFn build;
};
// Throws ripen::Error listing the names for an unknown name.
const ScheduleInfo& schedule_by_name(const std::string& name);
// schedule_by_name(kind).build(n, model, rho). Throws ripen::Error for an unknown name or n < 1.
std::vector<double> make_sigmas(const std::string& kind, int n, const DiscreteSchedule& model, double rho = 7.0);

}  // namespace ripen::sampling
