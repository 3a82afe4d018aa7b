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
void check_n(int n, const char* what) {
  if (n < 1) throw Error(std::string(what) + ": number of steps must be at least 1, got " + std::to_string(n));
}
}  // namespace

std::vector<double> karras_sigmas(int n, double sigma_min, double sigma_max, double rho) {
  check_n(n, "karras schedule");
  at::Tensor ramp = at::linspace(0, 1, n, at::kFloat);
  double min_inv_rho = std::pow(sigma_min, 1 / rho), max_inv_rho = std::pow(sigma_max, 1 / rho);
  return append_zero((ramp * (min_inv_rho - max_inv_rho) + max_inv_rho).pow(rho));
}

std::vector<double> exponential_sigmas(int n, double sigma_min, double sigma_max) {
  check_n(n, "exponential schedule");
  return append_zero(at::linspace(std::log(sigma_max), std::log(sigma_min), n, at::kFloat).exp());
}

at::Tensor scaled_linear_betas(BetaPrecision precision, int steps, double beta_start, double beta_end) {
  auto dtype = precision == BetaPrecision::DiffusersFloat32 ? at::kFloat : at::kDouble;
  return at::linspace(std::pow(beta_start, 0.5), std::pow(beta_end, 0.5), steps, dtype).pow(2);
}

at::Tensor scaled_linear_alphas_cumprod(BetaPrecision precision, int steps, double beta_start, double beta_end) {
  return at::cumprod(1.0 - scaled_linear_betas(precision, steps, beta_start, beta_end), 0);
}

DiscreteSchedule::DiscreteSchedule(const at::Tensor& alphas_cumprod) {
  alphas_cumprod_ = alphas_cumprod.to(at::kCPU, at::kFloat).contiguous();
  if (alphas_cumprod_.dim() != 1 || alphas_cumprod_.size(0) < 2)
    throw Error("discrete schedule: alphas_cumprod must be a 1-D tensor with at least 2 entries");
  sigmas_ = ((1 - alphas_cumprod_) / alphas_cumprod_).pow(0.5);
  log_sigmas_ = sigmas_.log();
}

DiscreteSchedule DiscreteSchedule::stable_diffusion(BetaPrecision precision) {
  return DiscreteSchedule(scaled_linear_alphas_cumprod(precision));
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
  check_n(n, "discrete schedule");
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
  check_n(n, "diffusers timesteps");
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
