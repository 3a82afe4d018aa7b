#include "sampling/schedules.h"
#include "tensors/error.h"

namespace ripen::sampling {
namespace {
const std::vector<ScheduleInfo>& registry() {
  static const std::vector<ScheduleInfo> table = {
      {"karras",
       [](int n, const DiscreteSchedule& m, double rho) { return karras_sigmas(n, m.sigma_min(), m.sigma_max(), rho); }},
      {"exponential",
       [](int n, const DiscreteSchedule& m, double) { return exponential_sigmas(n, m.sigma_min(), m.sigma_max()); }},
      {"discrete", [](int n, const DiscreteSchedule& m, double) { return m.get_sigmas(n); }},
  };
  return table;
}
}  // namespace

const ScheduleInfo& schedule_by_name(const std::string& name) {
  for (const auto& info : registry())
    if (info.name == name) return info;
  throw Error("unknown schedule '" + name + "' (available: " + joined_names(schedule_names()) + ")");
}

std::vector<std::string> schedule_names() {
  std::vector<std::string> out;
  for (const auto& info : registry()) out.push_back(info.name);
  return out;
}

bool is_schedule_name(const std::string& name) {
  for (const auto& info : registry())
    if (info.name == name) return true;
  return false;
}

std::vector<double> make_sigmas(const std::string& kind, int n, const DiscreteSchedule& model, double rho) {
  return schedule_by_name(kind).build(n, model, rho);
}

}  // namespace ripen::sampling
