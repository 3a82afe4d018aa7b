#include "cli/lora_flags.h"

#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>

#include "lora/apply.h"

namespace ripen::cli {
namespace {

std::optional<double> number(const std::string& s) {
  try {
    size_t used = 0;
    const double d = std::stod(s, &used);
    if (used == s.size() && std::isfinite(d)) return d;
  } catch (...) {
  }
  return std::nullopt;
}

}  // namespace

NetworkRef parse_lora_flag(const std::string& value) {
  // Multipliers are taken from the right, so a file name may itself hold ':' before them.
  std::string file = value;
  std::vector<double> mult;
  for (int i = 0; i < 2; ++i) {
    const size_t colon = file.rfind(':');
    if (colon == std::string::npos) break;
    auto d = number(file.substr(colon + 1));
    if (!d) break;
    mult.insert(mult.begin(), *d);
    file = file.substr(0, colon);
  }
  if (file.empty()) throw UsageError{"--lora needs FILE[:TE[:UNET]], got '" + value + "'"};
  NetworkRef n;
  n.path = file;
  n.name = std::filesystem::path(file).stem().string();
  if (mult.size() == 1) n.te = n.unet = mult[0];
  if (mult.size() == 2) n.te = mult[0], n.unet = mult[1];
  return n;
}

std::vector<NetworkRef> lora_flags(Args& args) {
  std::vector<NetworkRef> out;
  for (const auto& v : args.get_all("--lora")) out.push_back(parse_lora_flag(v));
  return out;
}

void merge_networks(models::LoadedModel& model, const std::vector<NetworkRef>& networks) {
  if (networks.empty()) return;
  const auto report = lora::set_networks(model, networks);
  std::cerr << report.summary();
}

}  // namespace ripen::cli
