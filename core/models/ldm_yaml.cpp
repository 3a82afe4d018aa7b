#include "models/ldm_yaml.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tensors/error.h"

namespace ripen::models {
namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string unquote(std::string v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) return v.substr(1, v.size() - 2);
  return v;
}

// Drops a trailing comment (a '#' outside quotes preceded by whitespace or at the start).
std::string strip_comment(const std::string& line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      return line.substr(0, i);
    }
  }
  return line;
}

}  // namespace

LdmYaml LdmYaml::parse(const std::string& text) {
  LdmYaml y;
  std::vector<std::pair<size_t, std::string>> stack;  // (indent, key) of open mappings
  std::istringstream in(text);
  std::string raw;
  while (std::getline(in, raw)) {
    std::string line = strip_comment(raw);
    if (trim(line).empty() || trim(line) == "---") continue;
    size_t indent = line.find_first_not_of(' ');
    std::string body = trim(line);
    if (body[0] == '-') continue;  // block sequences: not used by the fields we read
    size_t colon = body.find(':');
    if (colon == std::string::npos) continue;
    std::string key = unquote(trim(body.substr(0, colon)));
    std::string value = trim(body.substr(colon + 1));
    while (!stack.empty() && stack.back().first >= indent) stack.pop_back();
    std::string path;
    for (const auto& [i, k] : stack) path += k + ".";
    path += key;
    if (value.empty()) {
      stack.emplace_back(indent, key);
    } else {
      y.values_[path] = unquote(value);
      y.order_.push_back(path);
    }
  }
  return y;
}

LdmYaml LdmYaml::load(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw Error(path + ": cannot read the model config");
  std::stringstream ss;
  ss << f.rdbuf();
  LdmYaml y = parse(ss.str());
  y.origin_ = path;
  return y;
}

std::optional<std::string> LdmYaml::get(const std::string& p) const {
  if (auto it = values_.find(p); it != values_.end()) return it->second;
  for (const auto& path : order_)
    if (path.size() > p.size() && path.compare(path.size() - p.size(), p.size(), p) == 0 && path[path.size() - p.size() - 1] == '.')
      return values_.at(path);
  return std::nullopt;
}

std::optional<double> LdmYaml::number(const std::string& p) const {
  auto v = get(p);
  if (!v) return std::nullopt;
  try {
    size_t used = 0;
    double d = std::stod(*v, &used);
    if (used != v->size()) throw std::invalid_argument("trailing text");
    return d;
  } catch (const std::exception&) {
    throw Error(origin_ + ": '" + p + "' is not a number: " + *v);
  }
}

std::optional<std::vector<double>> LdmYaml::list(const std::string& p) const {
  auto v = get(p);
  if (!v) return std::nullopt;
  std::string s = trim(*v);
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') throw Error(origin_ + ": '" + p + "' is not a [list]: " + s);
  std::vector<double> out;
  std::stringstream items(s.substr(1, s.size() - 2));
  std::string item;
  while (std::getline(items, item, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    try {
      out.push_back(std::stod(item));
    } catch (const std::exception&) {
      throw Error(origin_ + ": '" + p + "' holds a non-number: " + item);
    }
  }
  return out;
}

std::optional<std::string> yaml_beside(const std::string& checkpoint) {
  namespace fs = std::filesystem;
  fs::path p(checkpoint);
  for (const char* ext : {".yaml", ".yml"}) {
    fs::path y = p;
    y.replace_extension(ext);
    if (fs::is_regular_file(y)) return y.string();
  }
  return std::nullopt;
}

}  // namespace ripen::models
