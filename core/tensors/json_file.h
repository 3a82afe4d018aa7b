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

}  // namespace ripen
