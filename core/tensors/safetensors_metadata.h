#pragma once
// The `__metadata__` strings of a safetensors file (modelspec.title, ss_base_model_version, ...), read from its
// header only; empty for folders, other files and files that cannot be read, for callers that only look.
#include <map>
#include <string>

namespace ripen {

std::map<std::string, std::string> safetensors_metadata_or_none(const std::string& path);

}  // namespace ripen
