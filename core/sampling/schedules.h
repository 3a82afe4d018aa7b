#pragma once
// σ schedules. Every returned sequence is decreasing and ends with σ = 0. Values are computed with the same
// float32 tensor arithmetic as k-diffusion / diffusers (so they match those libraries to the last bit) and
// handed out as doubles.
#include <ATen/ATen.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sampling/registry_names.h"

namespace ripen::sampling {

// Karras et al. (2022): (σmax^(1/ρ) + ramp·(σmin^(1/ρ) − σmax^(1/ρ)))^ρ, ramp = linspace(0, 1, n) in fp32.
std::vector<double> karras_sigmas(int n, double sigma_min, double sigma_max, double rho = 7.0);
// exp(linspace(log σmax, log σmin, n)) in fp32.
std::vector<double> exponential_sigmas(int n, double sigma_min, double sigma_max);

// SD's "scaled_linear" betas: β = linspace(√β0, √β1, T)². Diffusers computes everything in float32 (returns
// float32 ᾱ); CompVis LDM and ComfyUI in float64 (returns float64 ᾱ; LDM stores it as a float32 buffer).
enum class BetaPrecision { DiffusersFloat32, LdmFloat64 };
at::Tensor scaled_linear_alphas_cumprod(BetaPrecision precision, int steps = 1000, double beta_start = 0.00085,
                                        double beta_end = 0.012);
at::Tensor scaled_linear_betas(BetaPrecision precision, int steps = 1000, double beta_start = 0.00085,
                               double beta_end = 0.012);

// A discrete model's training noise, in diffusers' scheduler_config.json terms, and the inference settings of
// that file the schedules honour.
struct TrainingNoise {
  std::string beta_schedule = "scaled_linear";  // or "linear": β = linspace(β0, β1, T)
  double beta_start = 0.00085, beta_end = 0.012;
  int num_train_timesteps = 1000;
  bool rescale_betas_zero_snr = false;  // Lin et al. 2023; ᾱ_T is then clamped to 2^-24 as diffusers does
  int steps_offset = 1;                 // added to "leading" timesteps
  std::string timestep_spacing = "leading";  // what "discrete" follows in diffusers parity
  int original_inference_steps = 50;    // LCM: the origin grid its student was distilled on
  // Throws ripen::Error naming `origin` and the key for a wrong type or an unsupported beta schedule.
  static TrainingNoise from_scheduler_config(const nlohmann::json& config, const std::string& origin);
  bool operator==(const TrainingNoise&) const = default;
};

// How a tool tabulates σ_t = sqrt((1 − ᾱ_t)/ᾱ_t); they differ by up to 1.3e-5 relative near t = 0:
//  Diffusers:  β and ᾱ in float32, σ in float32;
//  KDiffusion: β and ᾱ in float64 (CompVis), ᾱ stored as float32, σ from that in float32 (A1111);
//  ComfyUI:    β, ᾱ and σ in float64, then σ stored as float32.
enum class TableConvention { Diffusers, KDiffusion, ComfyUI };
at::Tensor training_alphas_cumprod(const TrainingNoise& noise, TableConvention convention);  // [T]

// A model's discrete noise levels σ_t, t = 0..T−1 (ascending), and the continuous σ ↔ t maps of k-diffusion's
// DiscreteSchedule (linear interpolation in log σ; all in float32).
class DiscreteSchedule {
 public:
  // σ from ᾱ in ᾱ's own dtype, then float32 (so float64 ᾱ gives ComfyUI's table, float32 ᾱ the others').
  explicit DiscreteSchedule(const at::Tensor& alphas_cumprod, TrainingNoise training = {});
  static DiscreteSchedule from_training(const TrainingNoise& noise, TableConvention convention);
  // SD 1.x/2.x/XL: scaled_linear 0.00085–0.012, 1000 steps; LDM precision by default (what k-diffusion,
  // A1111 and ComfyUI use with single-file checkpoints).
  static DiscreteSchedule stable_diffusion(BetaPrecision precision = BetaPrecision::LdmFloat64);

  const at::Tensor& alphas_cumprod() const { return alphas_cumprod_; }  // float32 [T]
  const at::Tensor& sigmas() const { return sigmas_; }                  // float32 [T], ascending
  const TrainingNoise& training() const { return training_; }          // what the table was made from
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
  TrainingNoise training_;
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

// What a schedule hands the sampler: the σ sequence, and for schedules defined by the timesteps the UNet sees
// (diffusers' spacings, LCM) those timesteps, and the scale of the initial noise.
struct Schedule {
  std::vector<double> sigmas;     // decreasing, ends with 0; n + 1 values (beta may drop repeated points)
  std::vector<double> timesteps;  // one per step when the schedule fixes them (the UNet gets exactly these); else empty
  double init_noise_sigma = 0;    // x_T = unit noise · this (σ form); sigmas[0] unless the schedule says otherwise
  int steps() const { return int(sigmas.size()) - 1; }
};

struct ScheduleParams {
  double rho = 7.0;       // karras
  double strength = 1.0;  // < 1: the last part only, as img2img runs it (LCM: of its origin grid)
};

// The schedule registry (schedule_registry.cpp), the one list of schedule names (registry_names.h lists them
// without libtorch). Each builds n steps for a model's table:
//  karras, exponential, discrete — over the model's own σ range (k-diffusion / A1111);
//  normal, sgm_uniform, simple, ddim_uniform, beta — ComfyUI's schedulers, on ComfyUI's table of the model;
//  linspace, leading, trailing — diffusers' timestep spacings (EulerDiscreteScheduler), on diffusers' table;
//  lcm — diffusers' LCMScheduler timesteps from the origin grid.
using ScheduleFn = std::function<Schedule(int n, const DiscreteSchedule& model, const ScheduleParams& params)>;
struct ScheduleInfo {
  std::string name;
  ScheduleFn build;
  bool own_strength = false;  // applies params.strength itself (else the last int(n·strength) steps are kept)
};
// Throws ripen::Error listing the names for an unknown name.
const ScheduleInfo& schedule_by_name(const std::string& name);
// Throws ripen::Error for an unknown name, n < 1 or strength outside (0, 1].
Schedule make_schedule(const std::string& name, int n, const DiscreteSchedule& model, const ScheduleParams& params = {});
std::vector<double> make_sigmas(const std::string& name, int n, const DiscreteSchedule& model, double rho = 7.0);

// Throws ripen::Error "<what>: number of steps must be at least 1" for n < 1.
void check_steps(int n, const char* what);

// ComfyUI's schedulers over a σ table (ascending, float32), each with the trailing 0 (comfy/samplers.py).
std::vector<double> comfy_normal_sigmas(const DiscreteSchedule& table, int n, bool sgm);
std::vector<double> comfy_simple_sigmas(const DiscreteSchedule& table, int n);
std::vector<double> comfy_ddim_uniform_sigmas(const DiscreteSchedule& table, int n);
std::vector<double> comfy_beta_sigmas(const DiscreteSchedule& table, int n, double alpha = 0.6, double beta = 0.6);
// The inverse of the regularized incomplete beta function I_x(a, b) (scipy.stats.beta.ppf), for p in [0, 1].
double beta_ppf(double p, double a, double b);

// diffusers' LCMScheduler.set_timesteps: the origin grid k·i − 1 (k = T / original_steps, i ≤ original_steps ·
// strength), reversed, sampled at floor(linspace(0, len, n, endpoint=False)).
std::vector<int64_t> lcm_timesteps(int n, int num_train_timesteps, int original_steps, double strength = 1.0);

}  // namespace ripen::sampling
