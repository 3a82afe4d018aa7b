#pragma once
// JSON files through nlohmann/json, with one wording for the failures: every message names the file (or the
// origin of in-memory text), so a caller only adds the key when a value is wrong.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ripen {

// Throws ripen::Error "<path>: cannot open" or "<path>: not valid JSON: <the parser's reason>".
nlohmann::json read_json_file(const std::filesystem::path& path);

// The same for text already in memory; `origin` names where it came from.
nlohmann::json parse_json_text(std::string_view text, const std::string& origin);

// A key that files written by an older Ripen name differently: `old_name` is read as `name` when `name` is absent.
struct RenamedKey {
  const char* old_name;
  const char* name;
};
template <size_t N>
nlohmann::json with_current_keys(nlohmann::json j, const RenamedKey (&renamed)[N]) {
  if (!j.is_object()) return j;
  for (const auto& [old_name, name] : renamed)
    if (j.contains(old_name) && !j.contains(name)) j[name] = j[old_name];
  return j;
}

}  // namespace ripen
