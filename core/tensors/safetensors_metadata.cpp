#include "tensors/safetensors_metadata.h"

#include <filesystem>

#include "tensors/safetensors.h"

namespace ripen {

std::map<std::string, std::string> safetensors_metadata_or_none(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return {};
  try {
    return SafeTensors::open(path).metadata();
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace ripen
