#include "models/extra_model_paths.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace ripen::models {
namespace fs = std::filesystem;

namespace {

struct SyntaxError {
  int line;
  std::string what;
};

std::string rtrim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  return s;
}

size_t indent_of(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return i;
}

bool blank_or_comment(const std::string& s) {
  const size_t i = s.find_first_not_of(" \t");
  return i == std::string::npos || s[i] == '#';
}

// A flow scalar after "key:": quoted or plain (a plain one ends at " #").
std::string scalar(const std::string& text, int line) {
  if (text.empty()) return {};
  const char q = text[0];
  if (q == '"' || q == '\'') {
    std::string out;
    size_t i = 1;
    for (; i < text.size(); ++i) {
      const char c = text[i];
      if (q == '\'' && c == '\'') {
        if (i + 1 < text.size() && text[i + 1] == '\'') { out += '\''; ++i; continue; }
        break;
      }
      if (q == '"' && c == '"') break;
      if (q == '"' && c == '\\') {
        if (++i == text.size()) break;
        switch (text[i]) {
          case '\\': out += '\\'; break;
          case '"': out += '"'; break;
          case 't': out += '\t'; break;
          case 'n': out += '\n'; break;
          default:
            throw SyntaxError{line, std::string("unknown escape '\\") + text[i] +
                                        "' in a double-quoted value (write Windows paths in single quotes)"};
        }
        continue;
      }
      out += c;
    }
    if (i >= text.size()) throw SyntaxError{line, "unterminated quoted value"};
    const std::string rest = rtrim(text.substr(i + 1));
    if (!rest.empty() && rest.find_first_not_of(' ') != std::string::npos && rest[rest.find_first_not_of(' ')] != '#')
      throw SyntaxError{line, "text after the closing quote"};
    return out;
  }
  if (q == '[' || q == '{') throw SyntaxError{line, "flow collections ([...], {...}) are not paths"};
  if (q == '>') throw SyntaxError{line, "a folded block ('>') joins the paths into one line; use '|'"};
  if (q == '-' && (text.size() == 1 || text[1] == ' ')) throw SyntaxError{line, "a list is not a path; use a '|' block"};
  std::string v = text;
  for (size_t i = 0; i + 1 < v.size(); ++i)
    if ((v[i] == ' ' || v[i] == '\t') && v[i + 1] == '#') { v.resize(i); break; }
  return rtrim(v);
}

// "key: rest" -> key, rest (rest trimmed); nullopt when there is no "key:".
std::optional<std::pair<std::string, std::string>> split_key(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] == ':' && (i + 1 == s.size() || s[i + 1] == ' ' || s[i + 1] == '\t')) {
      std::string key = rtrim(s.substr(0, i));
      if (key.size() >= 2 && (key[0] == '"' || key[0] == '\'') && key.back() == key[0])
        key = key.substr(1, key.size() - 2);
      if (key.empty()) return std::nullopt;
      const size_t v = s.find_first_not_of(" \t", i + 1);
      return std::pair{key, v == std::string::npos ? std::string() : rtrim(s.substr(v))};
    }
  return std::nullopt;
}

std::string getenv_or_empty(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

// os.path.expanduser + expandvars, as ComfyUI does for base_path: ~, $VAR, ${VAR} (unknown variables stay).
std::string expand(const std::string& p) {
  std::string s = p;
  if (!s.empty() && s[0] == '~' && (s.size() == 1 || s[1] == '/')) s = getenv_or_empty("HOME") + s.substr(1);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '$') { out += s[i]; continue; }
    size_t b = i + 1, e;
    const bool braced = b < s.size() && s[b] == '{';
    if (braced) ++b;
    for (e = b; e < s.size() && (std::isalnum(static_cast<unsigned char>(s[e])) || s[e] == '_'); ++e) {}
    const std::string name = s.substr(b, e - b);
    if (name.empty() || (braced && (e >= s.size() || s[e] != '}')) || !std::getenv(name.c_str())) {
      out += s[i];
      continue;
    }
    out += getenv_or_empty(name);
    i = braced ? e : e - 1;
  }
  return out;
}

struct Entry {
  std::string key, value;
  int line;
};

struct Section {
  std::string name;
  int line = 0;
  std::vector<Entry> entries;
  std::optional<SyntaxError> error;
};

// Splits the text into sections; a syntax error is kept on its section (or a section of its own at top level).
std::vector<Section> parse(const std::vector<std::string>& lines) {
  std::vector<Section> out;
  size_t i = 0;
  // A top-level error stands alone; one inside a section drops that section.
  auto fail = [&](SyntaxError e, bool top_level = false) {
    if (top_level || out.empty() || out.back().error) out.push_back(Section{"", e.line, {}, e});
    else out.back().error = e;
    // Skip the rest of the section.
    while (i < lines.size() && (blank_or_comment(lines[i]) || indent_of(lines[i]) > 0)) ++i;
  };
  while (i < lines.size()) {
    const std::string& raw = lines[i];
    const int lineno = int(i) + 1;
    if (blank_or_comment(raw) || raw.rfind("---", 0) == 0 || raw.rfind("...", 0) == 0) { ++i; continue; }
    if (raw.find('\t') < raw.find_first_not_of(" \t")) {
      ++i;
      fail({lineno, "tab in the indentation (YAML indents with spaces)"});
      continue;
    }
    const size_t ind = indent_of(raw);
    if (ind == 0) {
      auto kv = split_key(raw);
      ++i;
      if (!kv) { fail({lineno, "expected 'name:' starting a section"}, true); continue; }
      out.push_back(Section{kv->first, lineno, {}, std::nullopt});
      if (!kv->second.empty() && kv->second[0] != '#' && kv->second != "~" && kv->second != "null")
        fail({lineno, "section '" + kv->first + "' holds a value, not 'key: path' lines"});
      continue;
    }
    if (out.empty()) { ++i; fail({lineno, "indented line before any section"}); continue; }
    // By index: fail() may append a section, which moves them all (a reference here would dangle).
    const size_t sec = out.size() - 1;
    const size_t key_indent = out[sec].entries.empty() ? ind : indent_of(lines[size_t(out[sec].entries.front().line - 1)]);
    if (ind != key_indent) {
      ++i;
      fail({lineno, "indentation: expected " + std::to_string(key_indent) + " spaces, found " + std::to_string(ind)});
      continue;
    }
    auto kv = split_key(raw.substr(ind));
    ++i;
    if (!kv) { fail({lineno, "expected 'key: path'"}); continue; }
    Entry e{kv->first, {}, lineno};
    const std::string& v = kv->second;
    if (!v.empty() && v[0] == '|') {
      const std::string mod = rtrim(scalar(v, lineno));
      if (mod != "|" && mod != "|-" && mod != "|+") { fail({lineno, "unsupported block header '" + mod + "'"}); continue; }
      size_t block_indent = 0;
      while (i < lines.size()) {
        const std::string& b = lines[i];
        if (b.find_first_not_of(" \t\r") == std::string::npos) { e.value += '\n'; ++i; continue; }
        const size_t bi = indent_of(b);
        if (bi <= key_indent) break;
        if (block_indent == 0) block_indent = bi;
        if (bi < block_indent) {
          fail({int(i) + 1, "indentation inside the '|' block of '" + e.key + "'"});
          break;
        }
        e.value += rtrim(b.substr(block_indent)) + '\n';
        ++i;
      }
      if (out[sec].error) continue;
    } else {
      try {
        e.value = scalar(v, lineno);
      } catch (const SyntaxError& err) {
        fail(err);
        continue;
      }
      // An empty value followed by deeper lines is a nested mapping or a list.
      if (e.value.empty() && i < lines.size() && !blank_or_comment(lines[i]) && indent_of(lines[i]) > key_indent) {
        fail({int(i) + 1, "'" + e.key + "' holds a nested block, not a path"});
        continue;
      }
    }
    out[sec].entries.push_back(std::move(e));
  }
  return out;
}

}  // namespace

ExtraModelPaths read_extra_model_paths(const std::string& file) {
  ExtraModelPaths out;
  std::ifstream in(file, std::ios::binary);
  std::error_code ec;
  if (!in || fs::is_directory(file, ec)) {
    out.problems.push_back(file + ": cannot read the file (" +
                           (fs::exists(file, ec) ? std::string("permission or I/O error") : "it does not exist") + ")");
    return out;
  }
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(rtrim(l));
  if (in.bad()) {
    out.problems.push_back(file + ": read error");
    return out;
  }
  const fs::path dir = fs::absolute(fs::path(file), ec).parent_path();
  for (const Section& sec : parse(lines)) {
    const std::string where = file + ":";
    if (sec.error) {
      out.problems.push_back(where + std::to_string(sec.error->line) + ": " +
                             (sec.name.empty() ? "" : "section '" + sec.name + "': ") + sec.error->what +
                             (sec.name.empty() ? "" : " (section ignored)"));
      continue;
    }
    fs::path base = dir;
    for (const Entry& e : sec.entries) {
      if (e.key != "base_path") continue;
      fs::path b = expand(e.value);
      base = b.is_absolute() ? b : dir / b;
      if (!fs::is_directory(base, ec)) {
        out.problems.push_back(where + std::to_string(e.line) + ": section '" + sec.name + "': base_path '" +
                               base.lexically_normal().string() + "' does not exist (section ignored)");
        base.clear();
      }
    }
    if (base.empty()) continue;
    for (const Entry& e : sec.entries) {
      if (e.key == "base_path" || e.key == "is_default") continue;
      std::istringstream values(e.value);
      for (std::string v; std::getline(values, v);) {
        v = rtrim(v);
        if (v.empty()) continue;
        std::string full = (base / v).lexically_normal().string();
        while (full.size() > 1 && full.back() == '/') full.pop_back();
        out.paths.push_back({sec.name, e.key, full,
                             where + std::to_string(e.line)});
      }
    }
  }
  return out;
}

}  // namespace ripen::models
