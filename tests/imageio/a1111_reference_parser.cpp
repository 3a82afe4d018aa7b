#include "a1111_reference_parser.h"

#include <nlohmann/json.hpp>
#include <regex>
#include <vector>

namespace ripen::test {
namespace {
const std::regex& re_param() {
  static const std::regex re(R"re(\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$))re");
  return re;
}
const std::regex& re_imagesize() {
  static const std::regex re(R"(^(\d+)x(\d+)$)");
  return re;
}

// Python's str.strip() for ASCII whitespace.
std::string strip(const std::string& s) {
  const char* ws = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::vector<std::pair<std::string, std::string>> findall(const std::string& line) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::sregex_iterator it(line.begin(), line.end(), re_param()), end; it != end; ++it)
    out.emplace_back((*it)[1].str(), (*it)[2].str());
  return out;
}

// infotext_utils.unquote: json.loads of a value in quotes, the text itself when that fails.
std::string unquote(const std::string& text) {
  if (text.empty() || text.front() != '"' || text.back() != '"') return text;
  try {
    return nlohmann::json::parse(text).get<std::string>();
  } catch (const std::exception&) {
    return text;
  }
}
}  // namespace

std::map<std::string, std::string> a1111_parse_generation_parameters(const std::string& x) {
  std::map<std::string, std::string> res;
  std::string prompt, negative_prompt;
  bool done_with_prompt = false;

  // *lines, lastline = x.strip().split("\n")
  std::vector<std::string> lines;
  const std::string s = strip(x);
  for (size_t start = 0;;) {
    size_t nl = s.find('\n', start);
    lines.push_back(s.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  std::string lastline = lines.back();
  lines.pop_back();
  if (findall(lastline).size() < 3) {
    lines.push_back(lastline);
    lastline.clear();
  }

  for (std::string line : lines) {
    line = strip(line);
    if (line.rfind("Negative prompt:", 0) == 0) {
      done_with_prompt = true;
      line = strip(line.substr(16));
    }
    std::string& target = done_with_prompt ? negative_prompt : prompt;
    target += (target.empty() ? "" : "\n") + line;
  }
  res["Prompt"] = prompt;
  res["Negative prompt"] = negative_prompt;

  for (auto [k, v] : findall(lastline)) {
    if (v.empty()) continue;  // v[0] raises IndexError; the except prints and the key is skipped
    if (v.front() == '"' && v.back() == '"') v = unquote(v);
    std::smatch m;
    if (std::regex_match(v, m, re_imagesize())) {
      res[k + "-1"] = m[1].str();
      res[k + "-2"] = m[2].str();
    } else {
      res[k] = v;
    }
  }

  auto default_to = [&](const std::string& k, const std::string& v) { res.emplace(k, v); };
  default_to("Clip skip", "1");
  if (!res.count("Hires resize-1")) res["Hires resize-1"] = "0", res["Hires resize-2"] = "0";
  default_to("Hires sampler", "Use same sampler");
  default_to("Hires checkpoint", "Use same checkpoint");
  default_to("Hires prompt", "");
  default_to("Hires negative prompt", "");
  default_to("Mask mode", "Inpaint masked");
  default_to("Masked content", "original");
  default_to("Inpaint area", "Whole picture");
  default_to("Masked area padding", "32");
  default_to("RNG", "GPU");
  default_to("Schedule type", "Automatic");
  default_to("Schedule max sigma", "0");
  default_to("Schedule min sigma", "0");
  default_to("Schedule rho", "0");
  default_to("VAE Encoder", "Full");
  default_to("VAE Decoder", "Full");
  default_to("FP8 weight", "Disable");
  return res;
}

}  // namespace ripen::test
