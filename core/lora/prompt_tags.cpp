#include "lora/prompt_tags.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

#include "tensors/error.h"

namespace ripen::lora {
namespace {

// Python's \w: ASCII letters, digits, '_' and (for str patterns) any non-ASCII letter; UTF-8 bytes >= 0x80 are
// taken as word bytes.
bool word_byte(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out{""};
  for (char c : s) {
    if (c == sep) out.emplace_back();
    else out.back() += c;
  }
  return out;
}

// Python's float(): surrounding whitespace allowed, the whole rest must be a number (inf/nan refused: they would
// poison the weights).
double multiplier(const std::string& text, const std::string& tag, const char* what) {
  size_t a = 0, b = text.size();
  while (a < b && std::isspace(static_cast<unsigned char>(text[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(text[b - 1]))) --b;
  const std::string s = text.substr(a, b - a);
  char* end = nullptr;
  const double v = s.empty() ? 0 : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v))
    throw Error("prompt tag " + tag + ": the " + what + " multiplier '" + text + "' is not a number");
  return v;
}

}  // namespace

PromptNetworks extract_network_tags(std::string_view p) {
  PromptNetworks out;
  size_t i = 0;
  while (i < p.size()) {
    // <(\w+):([^>]+)> at i
    size_t j = i + 1;
    if (p[i] == '<') {
      while (j < p.size() && word_byte(static_cast<unsigned char>(p[j]))) ++j;
      if (j > i + 1 && j < p.size() && p[j] == ':') {
        const size_t args_begin = j + 1;
        const size_t close = p.find('>', args_begin);
        if (close != std::string_view::npos && close > args_begin) {
          const std::string kind(p.substr(i + 1, j - i - 1));
          const std::string args(p.substr(args_begin, close - args_begin));
          const std::string tag(p.substr(i, close + 1 - i));
          i = close + 1;
          if (kind != "lora" && kind != "lyco") {
            out.ignored.push_back(tag);
            continue;
          }
          std::vector<std::string> positional;
          std::map<std::string, std::string> named;
          for (const std::string& item : split(args, ':')) {
            const auto parts = split(item, '=');
            if (parts.size() == 2) named[parts[0]] = parts[1];
            else positional.push_back(item);
          }
          if (positional.empty() || positional[0].empty()) throw Error("prompt tag " + tag + ": no network name");
          if (named.count("dyn") || positional.size() > 3)
            throw Error("prompt tag " + tag + ": dynamic dims (dyn) are not supported; Ripen merges the full rank");
          NetworkRef n;
          n.name = positional[0];
          n.te = positional.size() > 1 ? multiplier(positional[1], tag, "text-encoder") : 1.0;
          if (auto it = named.find("te"); it != named.end()) n.te = multiplier(it->second, tag, "text-encoder");
          n.unet = positional.size() > 2 ? multiplier(positional[2], tag, "UNet") : n.te;
          if (auto it = named.find("unet"); it != named.end()) n.unet = multiplier(it->second, tag, "UNet");
          out.networks.push_back(std::move(n));
          continue;
        }
      }
    }
    out.prompt.append(p.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace ripen::lora
