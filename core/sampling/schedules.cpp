#include "sampling/schedules.h"

#include <algorithm>
#include <cmath>

#include "tensors/error.h"

namespace ripen::sampling {
namespace {
std::vector<double> to_vector(const at::Tensor& t) {
  at::Tensor d = t.to(at::kDouble).contiguous();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}
std::vector<double> append_zero(const at::Tensor& t) {
  auto v = to_vector(t);
  v.push_back(0.0);
  return v;
}
}  // namespace

void check_steps(int n, const char* what) {
  if (n < 1) throw Error(std::string(what) + ": number of steps must be at least 1, got " + std::to_string(n));
}

std::vector<double> karras_sigmas(int n, double sigma_min, double sigma_max, double rho) {
  check_steps(n, "karras schedule");
  at::Tensor ramp = at::linspace(0, 1, n, at::kFloat);
  double min_inv_rho = std::pow(sigma_min, 1 / rho), max_inv_rho = std::pow(sigma_max, 1 / rho);
  return append_zero((ramp * (min_inv_rho - max_inv_rho) + max_inv_rho).pow(rho));
}

std::vector<double> exponential_sigmas(int n, double sigma_min, double sigma_max) {
  check_steps(n, "exponential schedule");
  return append_zero(at::linspace(std::log(sigma_max), std::log(sigma_min), n, at::kFloat).exp());
}

at::Tensor scaled_linear_betas(BetaPrecision precision, int steps, double beta_start, double beta_end) {
  auto dtype = precision == BetaPrecision::DiffusersFloat32 ? at::kFloat : at::kDouble;
  return at::linspace(std::pow(beta_start, 0.5), std::pow(beta_end, 0.5), steps, dtype).pow(2);
}

at::Tensor scaled_linear_alphas_cumprod(BetaPrecision precision, int steps, double beta_start, double beta_end) {
  return at::cumprod(1.0 - scaled_linear_betas(precision, steps, beta_start, beta_end), 0);
}

TrainingNoise TrainingNoise::from_scheduler_config(const nlohmann::json& j, const std::string& origin) {
  TrainingNoise t;
  const char* key = "";
  auto get = [&](const char* k, auto& field) {
    key = k;
    if (j.contains(k) && !j.at(k).is_null()) field = j.at(k).get<std::decay_t<decltype(field)>>();
  };
  try {
    if (!j.is_object()) throw Error(origin + ": a scheduler config must be a JSON object");
    get("beta_schedule", t.beta_schedule);
    get("beta_start", t.beta_start);
    get("beta_end", t.beta_end);
    get("num_train_timesteps", t.num_train_timesteps);
    get("rescale_betas_zero_snr", t.rescale_betas_zero_snr);
    get("steps_offset", t.steps_offset);
    get("timestep_spacing", t.timestep_spacing);
    get("original_inference_steps", t.original_inference_steps);
  } catch (const nlohmann::json::exception& e) {
    throw Error(origin + ": key '" + key + "': " + e.what());
  }
  if (j.contains("trained_betas") && !j.at("trained_betas").is_null())
    throw Error(origin + ": key 'trained_betas': explicit beta tables are not supported");
  if (t.beta_schedule != "scaled_linear" && t.beta_schedule != "linear")
    throw Error(origin + ": key 'beta_schedule': '" + t.beta_schedule + "' is not supported (scaled_linear, linear)");
  if (t.num_train_timesteps < 2 || t.num_train_timesteps > 100000)
    throw Error(origin + ": key 'num_train_timesteps': " + std::to_string(t.num_train_timesteps) + " is out of range");
  if (!(t.beta_start > 0 && t.beta_start < t.beta_end && t.beta_end < 1))
    throw Error(origin + ": keys 'beta_start'/'beta_end' must satisfy 0 < start < end < 1");
  if (t.steps_offset < 0 || t.steps_offset >= t.num_train_timesteps)
    throw Error(origin + ": key 'steps_offset': " + std::to_string(t.steps_offset) + " is out of range");
  if (t.original_inference_steps < 1 || t.original_inference_steps > t.num_train_timesteps)
    throw Error(origin + ": key 'original_inference_steps': " + std::to_string(t.original_inference_steps) +
                " is out of range");
  timestep_spacing_from_string(t.timestep_spacing);  // throws for an unknown spacing
  return t;
}

namespace {
// diffusers' rescale_zero_terminal_snr: shift and scale sqrt(ᾱ) so that ᾱ_T = 0 while ᾱ_0 stays.
at::Tensor rescaled_to_zero_terminal_snr(const at::Tensor& betas) {
  at::Tensor sqrt_ac = at::cumprod(1.0 - betas, 0).sqrt();
  at::Tensor first = sqrt_ac[0].clone(), last = sqrt_ac[-1].clone();
  sqrt_ac = (sqrt_ac - last) * (first / (first - last));
  at::Tensor ac = sqrt_ac.pow(2);
  at::Tensor alphas = at::cat({ac.narrow(0, 0, 1), ac.narrow(0, 1, ac.size(0) - 1) / ac.narrow(0, 0, ac.size(0) - 1)});
  return 1.0 - alphas;
}
}  // namespace

at::Tensor training_alphas_cumprod(const TrainingNoise& t, TableConvention convention) {
  const auto dtype = convention == TableConvention::Diffusers ? at::kFloat : at::kDouble;
  const bool scaled = t.beta_schedule == "scaled_linear";
  at::Tensor betas = scaled ? at::linspace(std::sqrt(t.beta_start), std::sqrt(t.beta_end), t.num_train_timesteps, dtype).pow(2)
                            : at::linspace(t.beta_start, t.beta_end, t.num_train_timesteps, dtype);
  if (t.rescale_betas_zero_snr) betas = rescaled_to_zero_terminal_snr(betas);
  at::Tensor ac = at::cumprod(1.0 - betas, 0);
  if (t.rescale_betas_zero_snr) ac[-1] = std::ldexp(1.0, -24);  // σ_T would be infinite
  return convention == TableConvention::KDiffusion ? ac.to(at::kFloat) : ac;
}

DiscreteSchedule::DiscreteSchedule(const at::Tensor& alphas_cumprod, TrainingNoise training)
    : training_(std::move(training)) {
  at::Tensor ac = alphas_cumprod.to(at::kCPU);
  if (ac.scalar_type() != at::kDouble) ac = ac.to(at::kFloat);
  if (ac.dim() != 1 || ac.size(0) < 2)
    throw Error("discrete schedule: alphas_cumprod must be a 1-D tensor with at least 2 entries");
  alphas_cumprod_ = ac.to(at::kFloat).contiguous();
  sigmas_ = ((1 - ac) / ac).pow(0.5).to(at::kFloat).contiguous();
  log_sigmas_ = sigmas_.log();
}

DiscreteSchedule DiscreteSchedule::from_training(const TrainingNoise& noise, TableConvention convention) {
  return DiscreteSchedule(training_alphas_cumprod(noise, convention), noise);
}

DiscreteSchedule DiscreteSchedule::stable_diffusion(BetaPrecision precision) {
  return from_training({}, precision == BetaPrecision::DiffusersFloat32 ? TableConvention::Diffusers
                                                                        : TableConvention::KDiffusion);
}

double DiscreteSchedule::sigma_min() const { return sigmas_[0].item<double>(); }
double DiscreteSchedule::sigma_max() const { return sigmas_[-1].item<double>(); }

at::Tensor DiscreteSchedule::sigma_to_t(const at::Tensor& sigma_in, bool quantize) const {
  at::Tensor sigma = sigma_in.to(at::kCPU, at::kFloat);
  at::Tensor log_sigma = sigma.log();
  at::Tensor dists = log_sigma - log_sigmas_.unsqueeze(1);  // [T, N]
  if (quantize) return dists.abs().argmin(0).view(sigma.sizes());
  // Index of the last table entry at or below log σ, kept one short of the end so there is a `high`.
  at::Tensor low_idx = dists.ge(0).cumsum(0).argmax(0).clamp_max(size() - 2);
  at::Tensor high_idx = low_idx + 1;
  at::Tensor low = log_sigmas_.index({low_idx}), high = log_sigmas_.index({high_idx});
  at::Tensor w = ((low - log_sigma) / (low - high)).clamp(0, 1);
  return ((1 - w) * low_idx + w * high_idx).view(sigma.sizes());
}

double DiscreteSchedule::sigma_to_t(double sigma, bool quantize) const {
  return sigma_to_t(at::full({1}, sigma, at::kFloat), quantize).to(at::kDouble).item<double>();
}

at::Tensor DiscreteSchedule::t_to_sigma(const at::Tensor& t_in) const {
  at::Tensor t = t_in.to(at::kCPU, at::kFloat);
  if (t.numel() && (t.min().item<float>() < 0 || t.max().item<float>() > float(size() - 1)))
    throw Error("discrete schedule: t must lie in [0, " + std::to_string(size() - 1) + "]");
  at::Tensor low_idx = t.floor().to(at::kLong), high_idx = t.ceil().to(at::kLong), w = t.frac();
  at::Tensor log_sigma = (1 - w) * log_sigmas_.index({low_idx}) + w * log_sigmas_.index({high_idx});
  return log_sigma.exp();
}

double DiscreteSchedule::t_to_sigma(double t) const {
  return t_to_sigma(at::full({1}, t, at::kFloat)).to(at::kDouble).item<double>();
}

std::vector<double> DiscreteSchedule::get_sigmas(int n) const {
  check_steps(n, "discrete schedule");
  return append_zero(t_to_sigma(at::linspace(double(size() - 1), 0, n, at::kFloat)));
}

TimestepSpacing timestep_spacing_from_string(const std::string& name) {
  if (name == "linspace") return TimestepSpacing::Linspace;
  if (name == "leading") return TimestepSpacing::Leading;
  if (name == "trailing") return TimestepSpacing::Trailing;
  throw Error("unknown timestep spacing '" + name + "' (linspace, leading, trailing)");
}

DiffusersTimesteps diffusers_euler_timesteps(const at::Tensor& alphas_cumprod, int n, TimestepSpacing spacing,
                                             int steps_offset) {
  check_steps(n, "diffusers timesteps");
  DiscreteSchedule sched(alphas_cumprod);
  const int64_t T = sched.size();
  std::vector<double> ts;  // numpy float64 arithmetic, then float32 like diffusers
  if (spacing == TimestepSpacing::Linspace) {
    double step = n > 1 ? double(T - 1) / (n - 1) : 0.0;
    for (int i = n - 1; i >= 0; --i) ts.push_back(i == n - 1 && n > 1 ? double(T - 1) : i * step);
  } else if (spacing == TimestepSpacing::Leading) {
    int64_t ratio = T / n;
    for (int i = n - 1; i >= 0; --i) ts.push_back(double(i * ratio + steps_offset));
  } else {
    // np.arange(T, 0, -T/n).round() - 1: numpy's length is ceil(T / (T/n)) and value i is T + i·δ.
    double step = double(T) / n, delta = (double(T) - step) - double(T);
    auto count = int64_t(std::ceil(-double(T) / -step));
    for (int64_t i = 0; i < count; ++i) ts.push_back(std::nearbyint(double(T) + double(i) * delta) - 1);
  }
  DiffusersTimesteps out;
  at::Tensor table = sched.sigmas().to(at::kDouble).contiguous();
  const double* s = table.data_ptr<double>();
  for (double& t : ts) {
    t = double(float(t));
    // np.interp over x = 0..T-1 (slope form, exact at knots, clamped at the ends).
    double sigma;
    if (t <= 0) sigma = s[0];
    else if (t >= double(T - 1)) sigma = s[T - 1];
    else {
      auto j = int64_t(std::floor(t));
      sigma = (t == double(j)) ? s[j] : (s[j + 1] - s[j]) * (t - double(j)) + s[j];
    }
    out.timesteps.push_back(t);
    out.sigmas.push_back(double(float(sigma)));
  }
  out.sigmas.push_back(0.0);
  at::Tensor smax = at::full({}, *std::max_element(out.sigmas.begin(), out.sigmas.end()), at::kFloat);
  out.init_noise_sigma = spacing == TimestepSpacing::Leading ? (smax.pow(2) + 1).pow(0.5).item<double>()
                                                             : smax.item<double>();
  return out;
}

}  // namespace ripen::sampling
