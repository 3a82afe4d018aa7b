#include "lora/network_metadata.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace ripen::lora {
namespace {

std::string get(const Metadata& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

std::string strip(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

// Python's \w on str is Unicode; bytes of multi-byte UTF-8 sequences count as word characters here.
bool word_byte(unsigned char c) { return std::isalnum(c) || c == '_' || c == '-' || c == '\'' || c >= 0x80; }

// Python's len() counts code points: UTF-8 continuation bytes do not count.
size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Ordered counts: first appearance decides ties (Python dicts keep insertion order, sorted() is stable).
struct Counts {
  std::vector<TagCount> items;
  void add(const std::string& tag, int64_t n) {
    for (auto& t : items)
      if (t.tag == tag) {
        t.count += n;
        return;
      }
    items.push_back({tag, n});
  }
};

bool count_of(const nlohmann::ordered_json& v, int64_t& out) {
  if (v.is_number_integer()) return out = v.get<int64_t>(), true;
  if (v.is_number_float()) return out = int64_t(v.get<double>()), true;  // int(3.0)
  if (v.is_string()) {
    try {
      size_t used = 0;
      const std::string s = strip(v.get<std::string>());
      out = std::stoll(s, &used);
      return used == s.size();
    } catch (const std::exception&) {
      return false;
    }
  }
  return false;
}

}  // namespace

std::vector<TagCount> trigger_tags(const Metadata& m) {
  const std::string text = get(m, "ss_tag_frequency");
  if (text.empty()) return {};
  const auto j = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return {};
  Counts tags;
  for (const auto& [dataset, dict] : j.items()) {
    if (!dict.is_object()) continue;
    for (const auto& [tag, count] : dict.items()) {
      int64_t n = 0;
      if (count_of(count, n)) tags.add(strip(tag), n);
    }
  }
  if (tags.items.empty()) return {};
  size_t total = 0;
  for (const auto& t : tags.items) total += code_points(t.tag);
  if (double(total) / double(tags.items.size()) >= 16) {
    Counts words;
    for (const auto& t : tags.items) {
      for (size_t i = 0; i < t.tag.size();) {
        if (!word_byte(static_cast<unsigned char>(t.tag[i]))) {
          ++i;
          continue;
        }
        size_t j2 = i;
        while (j2 < t.tag.size() && word_byte(static_cast<unsigned char>(t.tag[j2]))) ++j2;
        std::string w = t.tag.substr(i, j2 - i);
        if (code_points(w) >= 3) words.add(w, t.count);
        i = j2;
      }
    }
    tags = std::move(words);
  }
  std::stable_sort(tags.items.begin(), tags.items.end(), [](const TagCount& a, const TagCount& b) { return a.count > b.count; });
  return tags.items;
}

std::string arch_from_metadata(const Metadata& m) {
  const std::string base = get(m, "ss_base_model_version"), spec = get(m, "modelspec.architecture");
  if (base.rfind("sdxl_", 0) == 0 || spec.find("stable-diffusion-xl") != std::string::npos) return "sdxl";
  if (get(m, "ss_v2") == "True" || spec.find("stable-diffusion-v2") != std::string::npos) return "sd2";
  if (spec.find("stable-diffusion-v1") != std::string::npos) return "sd1";
  for (const auto& [k, v] : m)
    if (k.rfind("ss_", 0) == 0) return "sd1";
  return "";
}

void describe_from_metadata(NetworkInfo& info, const Metadata& m) {
  info.metadata = m;
  info.tags = trigger_tags(m);
  info.trigger_phrase = get(m, "modelspec.trigger_phrase");
  info.title = get(m, "modelspec.title");
  info.description = get(m, "modelspec.description");
  info.author = get(m, "modelspec.author");
  info.base_model = get(m, "ss_base_model_version");
  if (info.base_model.empty()) info.base_model = get(m, "modelspec.architecture");
  info.arch = arch_from_metadata(m);
  if (info.kind == NetworkKind::Lora) info.alias = get(m, "ss_output_name");
}

}  // namespace ripen::lora
