// ComfyUI's schedulers (comfy/samplers.py), written from their definitions: each picks points of the model's σ
// table (ComfyUI's, see TableConvention) and appends σ = 0.
#include <cmath>
#include <limits>

#include "sampling/schedules.h"
#include "tensors/error.h"

namespace ripen::sampling {
namespace {
double table_at(const DiscreteSchedule& table, int64_t t) { return table.sigmas()[t].item<double>(); }

// Lentz's continued fraction for the incomplete beta function (converges for x < (a + 1)/(a + b + 2)).
double beta_continued_fraction(double a, double b, double x) {
  constexpr double tiny = 1e-300, eps = 1e-16;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  d = 1 / (std::abs(d) < tiny ? tiny : d);
  double h = d;
  for (int m = 1; m <= 500; ++m) {
    for (double num : {m * (b - m) * x / ((a - 1 + 2 * m) * (a + 2 * m)),
                       -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 1 + 2 * m))}) {
      d = 1 + num * d;
      c = 1 + num / c;
      d = 1 / (std::abs(d) < tiny ? tiny : d);
      c = std::abs(c) < tiny ? tiny : c;
      h *= d * c;
    }
    if (std::abs(d * c - 1) < eps) break;
  }
  return h;
}

// I_x(a, b).
double regularized_incomplete_beta(double x, double a, double b) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) +
                                b * std::log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return front * beta_continued_fraction(a, b, x) / a;
  return 1 - front * beta_continued_fraction(b, a, 1 - x) / b;
}
}  // namespace

double beta_ppf(double p, double a, double b) {
  if (!(p >= 0 && p <= 1) || !(a > 0) || !(b > 0)) throw Error("beta_ppf: needs p in [0, 1] and a, b > 0");
  if (p == 0 || p == 1) return p;
  if (a == b && p > 0.5) return 1 - beta_ppf(1 - p, a, b);  // exact symmetry, so the median is exactly ½
  if (a == b && p == 0.5) return 0.5;
  double lo = 0, hi = 1;  // I_x is increasing in x: bisect to the last bit
  for (int i = 0; i < 200 && hi - lo > std::numeric_limits<double>::epsilon() * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (regularized_incomplete_beta(mid, a, b) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// t runs evenly from t(σ_max) to t(σ_min) (nearest table entries) and σ(t) interpolates log σ. sgm_uniform drops
// the end point instead of landing on σ_min (SGM's uniform grid).
std::vector<double> comfy_normal_sigmas(const DiscreteSchedule& table, int n, bool sgm) {
  check_steps(n, sgm ? "sgm_uniform schedule" : "normal schedule");
  const double start = table.sigma_to_t(table.sigma_max(), true), end = table.sigma_to_t(table.sigma_min(), true);
  bool append_zero = true;
  at::Tensor ts;
  if (sgm) {
    ts = at::linspace(start, end, n + 1, at::kFloat).narrow(0, 0, n);
  } else {
    if (std::abs(table.t_to_sigma(end)) <= 1e-5) ++n, append_zero = false;  // a table that reaches σ = 0
    ts = at::linspace(start, end, n, at::kFloat);
  }
  at::Tensor s = table.t_to_sigma(ts).to(at::kDouble).contiguous();
  std::vector<double> out(s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
  if (append_zero) out.push_back(0.0);
  return out;
}

// Every (T/n)-th table entry from the top: the trailing timesteps T−1, T−1−T/n, ...
std::vector<double> comfy_simple_sigmas(const DiscreteSchedule& table, int n) {
  check_steps(n, "simple schedule");
  const double stride = double(table.size()) / n;
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(table_at(table, table.size() - 1 - int64_t(i * stride)));
  out.push_back(0.0);
  return out;
}

// DDIM's uniform grid t = 1, 1 + T//n, ... (the leading timesteps), from the top down; it does not start at σ_max,
// and when T//n does not divide T evenly it has more than n steps.
std::vector<double> comfy_ddim_uniform_sigmas(const DiscreteSchedule& table, int n) {
  check_steps(n, "ddim_uniform schedule");
  std::vector<double> ascending;
  if (std::abs(table_at(table, 1)) > 1e-5)
    ascending.push_back(0.0);
  else
    ++n;  // a table that reaches σ = 0 at t = 1 ends there
  const int64_t stride = std::max<int64_t>(table.size() / n, 1);
  for (int64_t t = 1; t < table.size(); t += stride) ascending.push_back(table_at(table, t));
  return {ascending.rbegin(), ascending.rend()};
}

// t = rint(T' · B⁻¹(1 − i/n; α, β)) with T' = T − 1 (Lee et al. 2024's beta-distributed timesteps); a repeated t is
// dropped, so a schedule may have fewer than n steps.
std::vector<double> comfy_beta_sigmas(const DiscreteSchedule& table, int n, double alpha, double beta) {
  check_steps(n, "beta schedule");
  const double last = double(table.size() - 1);
  std::vector<double> out;
  double previous = -1;
  for (int i = 0; i < n; ++i) {
    const double t = std::nearbyint(beta_ppf(1.0 - i * (1.0 / n), alpha, beta) * last);
    if (t != previous) out.push_back(table_at(table, int64_t(t)));
    previous = t;
  }
  out.push_back(0.0);
  return out;
}

}  // namespace ripen::sampling
