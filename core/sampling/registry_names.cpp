#include "sampling/registry_names.h"

namespace ripen::sampling {

std::string joined_names(const std::vector<std::string>& names, const std::string& separator) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : separator) + n;
  return out;
}

}  // namespace ripen::sampling
