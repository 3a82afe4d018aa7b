#include "sampling/noise_source.h"

#include <utility>

#include "sampling/registry_names.h"
#include "tensors/error.h"

namespace ripen::sampling {
namespace {
constexpr std::pair<NoiseSource, const char*> kNames[] = {{NoiseSource::Cpu, "cpu"}, {NoiseSource::Philox, "philox"}};
}

std::string to_string(NoiseSource source) {
  for (const auto& [s, name] : kNames)
    if (s == source) return name;
  return "?";
}

NoiseSource noise_source_from_string(const std::string& name) {
  for (const auto& [s, n] : kNames)
    if (name == n) return s;
  throw Error("unknown noise source '" + name + "' (expected one of: " + joined_names(noise_source_names()) + ")");
}

std::vector<std::string> noise_source_names() {
  std::vector<std::string> out;
  for (const auto& [s, name] : kNames) out.push_back(name);
  return out;
}

}  // namespace ripen::sampling
