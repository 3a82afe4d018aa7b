#include "pipeline/model_presets.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>

#include "pipeline/presets.h"
#include "sampling/registry_names.h"
#include "tensors/error.h"
#include "tensors/json_file.h"

namespace ripen {
namespace fs = std::filesystem;

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

bool builtin_preset_name(const std::string& name) {
  try {
    preset_from_string(name);
    return true;
  } catch (const Error&) {
    return false;
  }
}
}  // namespace

ModelPreset parse_model_preset(const nlohmann::json& j, const fs::path& origin) {
  const std::string where = origin.string();
  auto fail = [&](const std::string& key, const std::string& why) -> void {
    throw Error(where + ": key '" + key + "': " + why);
  };
  if (!j.is_object()) throw Error(where + ": a preset must be a JSON object");
  static const std::set<std::string> known = {"name",  "label", "description", "architectures", "sampler", "schedule",
                                              "steps", "cfg",   "size",        "adaptive",      "match"};
  for (const auto& [key, value] : j.items())
    if (!known.count(key)) fail(key, "unknown key (known: name, label, description, architectures, sampler, "
                                     "schedule, steps, cfg, size, adaptive, match)");
  ModelPreset p;
  p.file = origin;
  std::string key;
  try {
    for (const char* required : {"name", "sampler", "schedule", "steps"})
      if (!j.contains(required)) fail(required, "missing");
    key = "name", p.name = j.at("name").get<std::string>();
    key = "label", p.label = j.value("label", p.name);
    key = "description", p.description = j.value("description", "");
    key = "architectures", p.architectures = j.value("architectures", std::vector<std::string>{});
    key = "sampler", p.sampler = j.at("sampler").get<std::string>();
    key = "schedule", p.schedule = j.at("schedule").get<std::string>();
    key = "steps", p.steps = j.at("steps").get<int>();
    key = "cfg", p.cfg = j.value("cfg", 1.0);
    key = "adaptive", p.adaptive = j.value("adaptive", false);
    key = "match", p.match = j.value("match", std::vector<std::string>{});
    if (j.contains("size")) {
      key = "size";
      auto size = j.at("size").get<std::vector<int>>();
      if (size.size() != 2) fail("size", "needs [width, height]");
      p.width = size[0], p.height = size[1];
    }
  } catch (const nlohmann::json::exception& e) {
    fail(key, std::string("wrong type (") + e.what() + ")");
  }
  if (p.name.empty() || p.name.find_first_of(" /\\") != std::string::npos)
    fail("name", "'" + p.name + "' must be non-empty, without spaces or slashes");
  if (builtin_preset_name(p.name)) fail("name", "'" + p.name + "' is a built-in preset's name");
  for (const auto& a : p.architectures)
    if (a != "sd1" && a != "sd2" && a != "sdxl") fail("architectures", "'" + a + "' is not sd1, sd2 or sdxl");
  if (!sampling::is_sampler_name(p.sampler))
    fail("sampler", "unknown sampler '" + p.sampler + "' (" + sampling::joined_names(sampling::sampler_names()) + ")");
  if (!sampling::is_schedule_name(p.schedule))
    fail("schedule",
         "unknown schedule '" + p.schedule + "' (" + sampling::joined_names(sampling::schedule_names()) + ")");
  if (p.steps < 1 || p.steps > 150) fail("steps", std::to_string(p.steps) + " is outside 1..150");
  if (!std::isfinite(p.cfg) || p.cfg < 0 || p.cfg > 30) fail("cfg", "must lie in 0..30");
  if (j.contains("size") && (p.width < 64 || p.height < 64 || p.width > 8192 || p.height > 8192 || p.width % 8 ||
                             p.height % 8))
    fail("size", std::to_string(p.width) + "x" + std::to_string(p.height) + " is not a multiple of 8 in 64..8192");
  for (const auto& m : p.match)
    if (m.size() < 3) fail("match", "'" + m + "' is too short to identify a model (3 characters at least)");
  return p;
}

GenerationRequest ModelPreset::applied_to(GenerationRequest r) const {
  r.preset = Preset::Custom;
  r.model_preset = name;
  r.sampler = sampler;
  r.schedule = schedule;
  r.steps = steps;
  r.cfg = cfg;
  r.cfg_schedule.clear();
  r.adaptive = adaptive;
  if (width) r.width = width, r.height = height;
  return r;
}

const ModelPreset* ModelPresetCatalog::find(const std::string& name) const {
  for (const auto& p : presets)
    if (p.name == name) return &p;
  return nullptr;
}

const ModelPreset* ModelPresetCatalog::proposed_for(const fs::path& model_file,
                                                    const std::map<std::string, std::string>& metadata) const {
  const std::string file = lower(model_file.filename().string());
  for (const auto& p : presets)
    for (const auto& m : p.match) {
      const std::string needle = lower(m);
      if (file.find(needle) != std::string::npos) return &p;
      for (const auto& [key, value] : metadata)
        if (lower(value).find(needle) != std::string::npos) return &p;
    }
  return nullptr;
}

ModelPresetCatalog load_model_presets(const std::vector<fs::path>& dirs) {
  ModelPresetCatalog c;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      try {
        ModelPreset p = parse_model_preset(read_json_file(f), f);
        std::erase_if(c.presets, [&](const ModelPreset& q) { return q.name == p.name; });
        c.presets.push_back(std::move(p));
      } catch (const Error& e) {
        c.problems.push_back(e.what());
      }
    }
  }
  std::sort(c.presets.begin(), c.presets.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return c;
}

std::vector<fs::path> model_preset_dirs() {
  std::vector<fs::path> dirs;
#ifdef RIPEN_PRESETS_INSTALL_DIR
  if (fs::is_directory(RIPEN_PRESETS_INSTALL_DIR)) dirs.push_back(RIPEN_PRESETS_INSTALL_DIR);
#endif
#ifdef RIPEN_PRESETS_SOURCE_DIR
  if (dirs.empty()) dirs.push_back(RIPEN_PRESETS_SOURCE_DIR);
#endif
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
    dirs.push_back(fs::path(xdg) / "ripen" / "presets");
  else if (const char* home = std::getenv("HOME"); home && *home)
    dirs.push_back(fs::path(home) / ".config" / "ripen" / "presets");
  if (const char* extra = std::getenv("RIPEN_PRESETS_DIR"); extra && *extra) {
    std::stringstream ss(extra);
    for (std::string d; std::getline(ss, d, ':');)
      if (!d.empty()) dirs.push_back(d);
  }
  return dirs;
}

}  // namespace ripen
