#pragma once
// What `ripen-cli info` says about a LoRA file: format, architecture, ranks, module counts by kind and component,
// alphas, and the file's metadata.
#include <nlohmann/json.hpp>

#include <string>

namespace ripen::lora {

// From the header alone: some tensor name is a LoRA / LoHa / LoKr part. False for other or unreadable files.
bool looks_like_network(const std::string& path);

// Reads and checks the whole file (network_file.h); throws ripen::Error as read_network_file does.
// {"kind": "lora", "path", "format", "architecture", "architecture_source", "modules", "kinds": {lora: n, ...},
//  "components": {unet: n, text_encoder: n, ...}, "ranks": {"4": n, ...}, "alphas": [...], "metadata": {...}}
nlohmann::json describe_network(const std::string& path);

}  // namespace ripen::lora
