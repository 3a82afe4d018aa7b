#include "imageio/lora_infotext.h"

#include "imageio/a1111_infotext.h"
#include "lora/prompt_tags.h"

namespace ripen::imageio {
namespace {

std::string without_colon_comma(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != ':' && c != ',') out += c;
  return out;
}

std::string strip(const std::string& s) {
  const char* ws = " \t\n\r\x0b\x0c";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace

std::string lora_hashes_value(const std::vector<NetworkRef>& networks) {
  std::vector<std::pair<std::string, std::string>> dict;  // a Python dict: insertion order, last value wins
  for (const auto& n : networks) {
    if (n.hash.empty() || n.name.empty()) continue;
    const std::string key = without_colon_comma(n.name);
    const std::string value = n.hash.substr(0, 12);
    bool found = false;
    for (auto& [k, v] : dict)
      if (k == key) v = value, found = true;
    if (!found) dict.emplace_back(key, value);
  }
  std::string out;
  for (const auto& [k, v] : dict) out += (out.empty() ? "" : ", ") + k + ": " + v;
  return out;
}

std::map<std::string, std::string> parse_lora_hashes(const std::string& value) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    const std::string item = strip(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (auto colon = item.find(':'); colon != std::string::npos)
      out[strip(item.substr(0, colon))] = strip(item.substr(colon + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string network_tag(const NetworkRef& n) {
  std::string tag = "<lora:" + n.name + ":" + python_float_repr(n.te);
  if (n.unet != n.te) tag += ":" + python_float_repr(n.unet);
  return tag + ">";
}

std::string prompt_with_network_tags(const std::string& prompt, const std::vector<NetworkRef>& networks) {
  std::string out = prompt;
  for (const auto& n : networks) out += network_tag(n);
  return out;
}

void take_network_tags(std::string& prompt, std::vector<NetworkRef>& networks,
                       const std::map<std::string, std::string>& hashes) {
  lora::PromptNetworks tags;
  try {
    tags = lora::extract_network_tags(prompt);
  } catch (const std::exception&) {
    return;
  }
  if (tags.networks.empty()) return;
  for (auto& n : tags.networks) {
    if (auto it = hashes.find(without_colon_comma(n.name)); it != hashes.end()) n.hash = it->second;
    networks.push_back(std::move(n));
  }
  prompt = tags.prompt;
}

}  // namespace ripen::imageio
