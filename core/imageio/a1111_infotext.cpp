#include "imageio/a1111_infotext.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <vector>

#include "imageio/lora_infotext.h"
#include "sampling/registry_names.h"

namespace ripen::imageio {
namespace {

struct SamplerName {
  const char* ours;
  const char* label;
  bool uses_eta;  // the k-diffusion function takes eta, so A1111 writes "Eta" when it is not 1
};
constexpr SamplerName kSamplers[] = {
    {"euler_ancestral", "Euler a", true},    {"euler", "Euler", false},
    {"lms", "LMS", false},                   {"heun", "Heun", false},
    {"dpm_2", "DPM2", false},                {"dpm_2_ancestral", "DPM2 a", true},
    {"dpmpp_2s_ancestral", "DPM++ 2S a", true}, {"dpmpp_2m", "DPM++ 2M", false},
    {"dpmpp_sde", "DPM++ SDE", true},        {"dpmpp_2m_sde", "DPM++ 2M SDE", true},
    {"dpmpp_2m_sde_heun", "DPM++ 2M SDE Heun", true},
    {"dpmpp_3m_sde", "DPM++ 3M SDE", true},  {"dpm_fast", "DPM fast", true},
    {"dpm_adaptive", "DPM adaptive", true},  {"lcm", "LCM", false},
    {"ddim", "DDIM", false},                 {"unipc", "UniPC", false},
    {"restart", "Restart", false},
};
constexpr std::pair<const char*, const char*> kSchedules[] = {
    {"karras", "Karras"}, {"exponential", "Exponential"}, {"discrete", "Uniform"},
    {"polyexponential", "Polyexponential"}, {"sgm_uniform", "SGM Uniform"}, {"simple", "Simple"},
    {"normal", "Normal"}, {"beta", "Beta"}, {"ddim_uniform", "DDIM"}, {"align_your_steps", "Align Your Steps"},
    {"kl_optimal", "KL Optimal"},
};

bool uses_eta(const std::string& sampler) {
  for (const auto& s : kSamplers)
    if (sampler == s.ours) return s.uses_eta;
  return false;
}

// A1111's quote(): values with ',', ':' or newlines become JSON strings.
std::string quote(const std::string& v) {
  if (v.find(',') == std::string::npos && v.find(':') == std::string::npos && v.find('\n') == std::string::npos) return v;
  return python_json_string(v);
}

std::string python_strip(const std::string& s) {
  const char* ws = " \t\n\r\x0b\x0c";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

// CFG scale as the web UI's slider hands it over: a JSON number, so 7 stays an int and 7.5 a float.
std::string slider_number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  return python_float_repr(v);
}

std::string trim_ws(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r"));
  auto e = s.find_last_not_of(" \t\r");
  s.erase(e == std::string::npos ? 0 : e + 1);
  return s;
}

bool is_word(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

// re_param = r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)', applied with findall.
std::vector<std::pair<std::string, std::string>> find_params(const std::string& line) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = 0, n = line.size();
  while (i < n) {
    size_t p = i;
    while (p < n && std::isspace(static_cast<unsigned char>(line[p]))) ++p;
    size_t k0 = p;
    if (p < n && is_word(line[p])) {
      ++p;
      while (p < n && (is_word(line[p]) || line[p] == ' ' || line[p] == '-' || line[p] == '/')) ++p;
    }
    // The key needs 2+ chars and must be followed by ':' (the regex backtracks over trailing spaces; keys
    // never end in a space in practice).
    if (p - k0 >= 2 && p < n && line[p] == ':') {
      std::string key = line.substr(k0, p - k0);
      ++p;
      while (p < n && std::isspace(static_cast<unsigned char>(line[p]))) ++p;
      std::string value;
      bool matched = false;
      if (p < n && line[p] == '"') {
        size_t q = p + 1;
        while (q < n && line[q] != '"') q += (line[q] == '\\' && q + 1 < n) ? 2 : 1;
        if (q < n && q > p + 1 && (q + 1 == n || line[q + 1] == ',')) {
          value = line.substr(p, q - p + 1);
          p = q + 1;
          matched = true;
        }
      }
      if (!matched) {
        size_t q = line.find(',', p);
        if (q == std::string::npos) q = n;
        value = line.substr(p, q - p);
        p = q;
      }
      if (p < n && line[p] == ',') ++p;
      out.emplace_back(key, value);
      i = p;
      continue;
    }
    i = k0 + 1 > i ? k0 + 1 : i + 1;
  }
  return out;
}

std::string unquote(const std::string& v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return v;
  std::string out;
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    char c = v[i];
    if (c != '\\' || i + 2 >= v.size() + 0) {
      out.push_back(c);
      continue;
    }
    char e = v[++i];
    switch (e) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'u': {
        if (i + 4 >= v.size()) return v;
        unsigned cp = std::stoul(v.substr(i + 1, 4), nullptr, 16);
        i += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < v.size() && v[i + 1] == '\\' && v[i + 2] == 'u') {
          unsigned lo = std::stoul(v.substr(i + 3, 4), nullptr, 16);
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          i += 6;
        }
        if (cp < 0x80) {
          out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
          out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        } else if (cp < 0x10000) {
          out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        } else {
          out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        }
        break;
      }
      default: out.push_back(e);
    }
  }
  return out;
}

template <typename T>
bool parse_number(const std::string& s, T& out) {
  std::string t = trim_ws(s);
  try {
    size_t used = 0;
    if constexpr (std::is_floating_point_v<T>) {
      out = static_cast<T>(std::stod(t, &used));
    } else if constexpr (std::is_unsigned_v<T>) {
      if (!t.empty() && t[0] == '-') return false;
      out = static_cast<T>(std::stoull(t, &used));
    } else {
      out = static_cast<T>(std::stoll(t, &used));
    }
    return used == t.size();
  } catch (...) {
    return false;
  }
}
}  // namespace

std::string python_float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // "-d.ddde+XX", shortest round-trip digits
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  auto e = sci.find('e');
  int exp10 = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (char c : sci.substr(0, e))
    if (c != '.') digits.push_back(c);
  std::string out;
  if (exp10 >= -5 + 1 && exp10 < 16) {  // Python repr: fixed for 1e-4 <= |v| < 1e16
    int point = exp10 + 1;  // digits before the decimal point
    if (point <= 0) {
      out = "0." + std::string(-point, '0') + digits;
    } else if (point >= static_cast<int>(digits.size())) {
      out = digits + std::string(point - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, point) + "." + digits.substr(point);
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof(eb), "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
    out += eb;
  }
  return neg ? "-" + out : out;
}

std::string python_json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char b[8];
          std::snprintf(b, sizeof(b), "\\u%04x", c);
          out += b;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

std::string a1111_sampler_label(const std::string& sampler, const std::string& solver_type) {
  if (sampler == "dpmpp_2m_sde" && solver_type == "heun") return "DPM++ 2M SDE Heun";
  for (const auto& s : kSamplers)
    if (sampler == s.ours) return s.label;
  return sampler;
}

std::string a1111_schedule_label(const std::string& schedule) {
  for (const auto& [ours, label] : kSchedules)
    if (schedule == ours) return label;
  return schedule;
}

namespace {
// "7", "6.42": guidance for people to read (the exact values are in the plan).
std::string cfg_text(double v) { return slider_number(std::round(v * 100) / 100); }

std::string steps_text(const RanSegment& s) {
  return s.first == s.last ? std::to_string(s.first) : std::to_string(s.first) + "-" + std::to_string(s.last);
}

// Ripen's keys, for what the A1111 fields cannot say.
void add_ripen_keys(std::vector<std::pair<std::string, std::string>>& params, const GenerationRequest& r,
                    const SamplingPlan& plan, const GenerationRecord& rec, const std::vector<RanSegment>& ran) {
  std::string samplers, cfg;
  for (const RanSegment& s : ran) {
    samplers += (samplers.empty() ? "" : ", ") + a1111_sampler_label(s.sampler, plan.solver_type) + " " +
                steps_text(s) + (s.tail ? " (tail)" : "");
    cfg += (cfg.empty() ? "" : ", ") + cfg_text(s.cfg_first) +
           (s.cfg_last != s.cfg_first ? " to " + cfg_text(s.cfg_last) : "") + " (" + steps_text(s) + ")";
  }
  params.push_back({"Ripen preset", to_string(r.preset)});
  if (!r.model_preset.empty()) params.push_back({"Ripen model preset", r.model_preset});
  params.push_back({"Ripen samplers", samplers});
  params.push_back({"Ripen CFG", cfg});
  if (plan.adaptive.enabled && !rec.stop_reason.empty()) params.push_back({"Ripen stop", rec.stop_reason});
  params.push_back({"Ripen plan", plan.to_json().dump()});
}

std::string join_parameters(const GenerationRequest& r, const std::vector<std::pair<std::string, std::string>>& params) {
  std::string line;
  for (const auto& [k, v] : params) {
    if (!line.empty()) line += ", ";
    line += k == v ? k : k + ": " + quote(v);
  }
  std::string neg = r.negative_prompt.empty() ? "" : "\nNegative prompt: " + r.negative_prompt;
  return python_strip(r.prompt + neg + "\n" + line);
}
}  // namespace

// What StableDiffusionProcessingImg2Img.init adds to extra_generation_params, in its order: Mask blur when
// blurred, Inpaint area and Masked area padding for "Only masked", Masked content unless "original"; then Ripen's
// strength rule (A1111 has one) and outpaint margins.
static void add_image_fields(std::vector<std::pair<std::string, std::string>>& params, const ImageInput& in) {
  if (in.inpaint()) {
    if (in.mask_blur > 0) params.push_back({"Mask blur", std::to_string(in.mask_blur)});
    if (in.inpaint_area == InpaintArea::Masked) {
      params.push_back({"Inpaint area", a1111_inpaint_area(in.inpaint_area)});
      params.push_back({"Masked area padding", std::to_string(in.masked_padding)});
    }
    if (in.masked_content != MaskedContent::Original)
      params.push_back({"Masked content", a1111_masked_content(in.masked_content)});
  }
  params.push_back({"Ripen strength rule", to_string(in.strength_rule)});
  if (in.outpaints())
    params.push_back({"Ripen outpaint", std::to_string(in.outpaint_left) + " " + std::to_string(in.outpaint_right) +
                                            " " + std::to_string(in.outpaint_top) + " " +
                                            std::to_string(in.outpaint_bottom) + " " + to_string(in.outpaint_fill)});
}

std::string a1111_parameters(const GenerationRequest& r, const SamplingPlan& plan, const GenerationRecord& rec) {
  std::string model_name = rec.model_name;
  if (model_name.empty() && r.model != "embedded") model_name = std::filesystem::path(r.model).stem().string();
  if (model_name.empty()) model_name = r.model;
  // What ran: the base pass's steps (the record's, less the 2x pass's; none recorded: the plan's).
  const RunSummary run = summarize_run(plan, rec.base_steps_used());
  const int hires_steps = rec.hires ? rec.hires_steps : plan.hires_steps;

  std::vector<std::pair<std::string, std::string>> params = {
      {"Steps", std::to_string(run.steps)},
      {"Sampler", a1111_sampler_label(run.sampler, plan.solver_type)},
      {"Schedule type", a1111_schedule_label(plan.schedule)},
      {"CFG scale", slider_number(run.cfg)},
      {"Seed", std::to_string(r.seed)},
      {"Size", std::to_string(r.width) + "x" + std::to_string(r.height)},
  };
  if (!rec.model_hash.empty()) params.push_back({"Model hash", rec.model_hash});
  params.push_back({"Model", model_name});
  // The 2x pass is A1111's hires fix: "Denoising strength" sits among the main fields, the "Hires ..." extras come
  // after RNG (txt2img's init() adds them before the sampler adds Eta). Size stays the first pass's.
  // img2img's strength takes the key (A1111's img2img has no hires pass; the plan key keeps the pass's strength).
  if (r.image) params.push_back({"Denoising strength", python_float_repr(r.image->strength)});
  else if (plan.hires) params.push_back({"Denoising strength", python_float_repr(plan.hires_strength)});
  if (r.clip_skip > 1) params.push_back({"Clip skip", std::to_string(r.clip_skip)});
  params.push_back({"RNG", r.noise == NoiseSource::Cpu ? "CPU" : "NV"});
  if (r.image) add_image_fields(params, *r.image);
  if (plan.hires) {
    const std::string hires_label = a1111_sampler_label(plan.hires_sampler, plan.solver_type);
    if (hires_label != params[1].second) params.push_back({"Hires sampler", hires_label});
    params.push_back({"Hires upscale", "2"});
    params.push_back({"Hires steps", std::to_string(hires_steps)});
    params.push_back({"Hires upscaler", plan.hires_upscale == "latent" ? "Latent" : "Lanczos"});
  }
  // Networks are activated after init() (the Hires fields) and before the sampler adds Eta.
  const std::string lora_hashes = lora_hashes_value(rec.networks.empty() ? r.networks : rec.networks);
  if (!lora_hashes.empty()) params.push_back({"Lora hashes", lora_hashes});
  if (uses_eta(run.sampler) && plan.eta != 1.0) params.push_back({"Eta", python_float_repr(plan.eta)});

  // The prompt as typed, with the networks given beside it appended as tags (lora_infotext.h).
  GenerationRequest shown = r;
  shown.prompt = prompt_with_network_tags(r.prompt, r.networks);
  // Ripen's keys only where A1111's own fields, read back, would not give this plan.
  std::string text = join_parameters(shown, params);
  auto back = parse_a1111_parameters(text);
  if (!back || r.preset != Preset::Custom || !(describe_plan(back->request) == plan)) {
    add_ripen_keys(params, r, plan, rec, run.segments);
    text = join_parameters(shown, params);
  }
  return text;
}

std::optional<A1111Parameters> parse_a1111_parameters(const std::string& text) {
  std::string x = python_strip(text);
  std::vector<std::string> lines;
  size_t start = 0;
  while (true) {
    auto nl = x.find('\n', start);
    lines.push_back(x.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  std::string last = lines.back();
  lines.pop_back();
  auto found = find_params(last);
  if (found.size() < 3) return std::nullopt;

  A1111Parameters out;
  std::string prompt, negative;
  bool in_negative = false;
  for (std::string line : lines) {
    line = python_strip(line);
    if (line.rfind("Negative prompt:", 0) == 0) {
      in_negative = true;
      line = python_strip(line.substr(16));
    }
    std::string& dst = in_negative ? negative : prompt;
    dst += (dst.empty() ? "" : "\n") + line;
  }
  for (auto& [k, v] : found) {
    std::string value = (!v.empty() && v.front() == '"' && v.back() == '"') ? unquote(v) : v;
    out.fields[k] = value;
  }

  GenerationRequest& r = out.request;
  r.prompt = prompt;
  r.negative_prompt = negative;
  r.preset = Preset::Custom;
  r.noise = NoiseSource::Philox;  // A1111's default RNG is the GPU's torch.randn, which "NV"/Philox reproduces
  auto field = [&](const char* k) -> const std::string* {
    auto it = out.fields.find(k);
    return it == out.fields.end() ? nullptr : &it->second;
  };
  if (auto v = field("Steps")) parse_number(*v, r.steps);
  if (auto v = field("CFG scale")) parse_number(*v, r.cfg);
  if (auto v = field("Seed")) parse_number(*v, r.seed);
  if (auto v = field("Clip skip")) parse_number(*v, r.clip_skip);
  if (auto v = field("Eta")) parse_number(*v, r.eta);
  if (auto v = field("Size")) {
    auto xpos = v->find('x');
    if (xpos != std::string::npos) {
      parse_number(v->substr(0, xpos), r.width);
      parse_number(v->substr(xpos + 1), r.height);
    }
  }
  if (auto v = field("RNG")) r.noise = (*v == "CPU") ? NoiseSource::Cpu : NoiseSource::Philox;
  r.schedule = "discrete";  // A1111's "Automatic" for k-diffusion samplers is the model's own sigmas
  if (auto v = field("Sampler")) {
    std::string label = *v;
    // Before v1.9 the schedule was part of the sampler label ("DPM++ 2M Karras").
    for (const char* suffix : {" Karras", " Exponential"}) {
      std::string sfx = suffix;
      if (label.size() > sfx.size() && label.compare(label.size() - sfx.size(), sfx.size(), sfx) == 0) {
        label.resize(label.size() - sfx.size());
        r.schedule = sfx == " Karras" ? "karras" : "exponential";
      }
    }
    r.sampler = label;
    if (label == "DPM++ 2M SDE Heun") {
      r.sampler = "dpmpp_2m_sde";
      r.solver_type = "heun";
    } else {
      for (const auto& s : kSamplers)
        if (label == s.label) r.sampler = s.ours;
    }
  }
  if (auto v = field("Schedule type")) {
    for (const auto& [ours, label] : kSchedules)
      if (*v == label) r.schedule = ours;
    if (sampling::is_schedule_name(*v)) r.schedule = *v;  // ours without an A1111 label (trailing, lcm, ...)
  }
  // img2img / inpainting: "Denoising strength" without a hires fix, or any inpaint key. The picture itself is not
  // in the text: request.image.image stays empty for the caller to supply.
  const bool hires_fix = field("Hires upscale") != nullptr;
  if ((!hires_fix && field("Denoising strength")) || field("Mask blur") || field("Inpaint area") ||
      field("Masked content") || field("Ripen strength rule")) {
    ImageInput in;
    in.mask_blur = 0;  // absent: not blurred
    if (auto v = field("Denoising strength")) parse_number(*v, in.strength);
    if (auto v = field("Mask blur")) parse_number(*v, in.mask_blur);
    if (auto v = field("Masked area padding")) parse_number(*v, in.masked_padding);
    try {
      if (auto v = field("Inpaint area")) in.inpaint_area = inpaint_area_from_a1111(*v);
      if (auto v = field("Masked content")) in.masked_content = masked_content_from_a1111(*v);
      if (auto v = field("Ripen strength rule")) in.strength_rule = strength_rule_from_string(*v);
      if (auto v = field("Ripen outpaint")) {
        std::istringstream ss(*v);
        std::string fill;
        ss >> in.outpaint_left >> in.outpaint_right >> in.outpaint_top >> in.outpaint_bottom >> fill;
        in.outpaint_fill = outpaint_fill_from_string(fill);
      }
    } catch (const std::exception&) {  // an unknown word: left at its default, as A1111 does
    }
    r.image = in;
  }
  // Hires fix at 2x (the only factor Ripen's hires pass has); without "Hires steps" A1111 reuses Steps.
  if (auto v = field("Hires upscale")) {
    double scale = 0;
    parse_number(*v, scale);
    if (scale == 2.0) {
      r.hires = true;
      r.hires_steps = r.steps;
      if (auto s = field("Hires steps")) parse_number(*s, r.hires_steps);
      if (auto s = field("Denoising strength")) parse_number(*s, r.hires_strength);
      if (auto s = field("Hires upscaler"))
        r.hires_upscale = s->rfind("Latent", 0) == 0 ? HiresUpscale::Latent : HiresUpscale::Image;
    }
  }
  out.record.steps_used = r.steps + (r.hires ? r.hires_steps : 0);
  if (r.hires) out.record.hires = true, out.record.hires_steps = r.hires_steps;
  // Ripen's own keys (see the header). A damaged one is left out, as A1111 leaves out what it cannot parse: the
  // text is still read as A1111 parameters.
  if (auto v = field("Ripen preset")) {
    try {
      r.preset = preset_from_string(*v);
    } catch (const std::exception&) {
    }
  }
  if (auto v = field("Ripen model preset")) r.model_preset = *v;
  if (auto v = field("Ripen stop")) out.record.stop_reason = *v;
  if (auto v = field("Ripen plan")) {
    try {
      SamplingPlan plan = SamplingPlan::from_json(nlohmann::json::parse(*v));
      GenerationRequest with_plan = r;
      set_request_from_plan(with_plan, plan);
      r = with_plan;
      out.record.plan = plan;
    } catch (const std::exception&) {
    }
  }
  {
    const auto* hashes = field("Lora hashes");
    take_network_tags(r.prompt, r.networks, hashes ? parse_lora_hashes(*hashes) : std::map<std::string, std::string>{});
    out.record.networks = r.networks;
  }
  if (auto v = field("Model hash")) out.record.model_hash = *v;
  if (auto v = field("Model")) out.record.model_name = *v;
  r.model = !out.record.model_name.empty() ? out.record.model_name
                                           : (!out.record.model_hash.empty() ? out.record.model_hash : r.model);
  return out;
}

}  // namespace ripen::imageio
