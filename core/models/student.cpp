#include "models/student.h"

#include <cmath>
#include <filesystem>
#include <set>

#include "tensors/error.h"
#include "tensors/json_file.h"

namespace fs = std::filesystem;

namespace ripen::models {

StudentInfo read_student_info(const std::string& dir) {
  StudentInfo s;
  s.dir = dir;
  s.file = (fs::path(dir) / "student.json").string();
  if (!fs::is_regular_file(s.file))
    throw Error(s.file + ": no such file (a student folder holds student.json; ripen-cli train distill writes one)");
  const nlohmann::json j = read_json_file(s.file);
  auto fail = [&](const std::string& key, const std::string& why) -> void {
    throw Error(s.file + ": key '" + key + "': " + why);
  };
  if (!j.is_object()) throw Error(s.file + ": a student description must be a JSON object");
  static const std::set<std::string> known = {"format", "version", "kind", "time_cond_proj_dim", "guidance",
                                              "guidance_range", "original_inference_steps", "steps",
                                              "retention_weight", "edge_threshold", "lora_rank", "teacher", "trained_steps",
                                              "batch"};
  for (const auto& [key, value] : j.items())
    if (!known.count(key)) fail(key, "unknown key");
  for (const char* required : {"format", "version", "kind", "time_cond_proj_dim", "guidance"})
    if (!j.contains(required)) fail(required, "missing");
  std::string key;
  try {
    key = "format";
    if (j.at(key).get<std::string>() != "ripen-lcm-student") fail(key, "must be \"ripen-lcm-student\"");
    key = "version";
    if (j.at(key).get<int>() != 1) fail(key, "version " + j.at(key).dump() + " is not supported (1)");
    key = "kind", s.kind = j.at(key).get<std::string>();
    key = "time_cond_proj_dim", s.time_cond_proj_dim = j.at(key).get<int64_t>();
    key = "guidance", s.guidance = j.at(key).get<double>();
    key = "guidance_range", s.guidance_range = j.value(key, s.guidance_range);
    key = "original_inference_steps", s.original_inference_steps = j.value(key, s.original_inference_steps);
    key = "steps", s.steps = j.value(key, s.steps);
    key = "retention_weight", s.retention_weight = j.value(key, s.retention_weight);
    key = "lora_rank", s.lora_rank = j.value(key, s.lora_rank);
    key = "teacher", s.teacher = j.value(key, s.teacher);
    key = "trained_steps", s.trained_steps = j.value(key, s.trained_steps);
  } catch (const nlohmann::json::exception& e) {
    fail(key, std::string("wrong type (") + e.what() + ")");
  }
  if (s.kind != "lora" && s.kind != "full") fail("kind", "'" + s.kind + "' is not \"lora\" or \"full\"");
  if (s.time_cond_proj_dim < 0) fail("time_cond_proj_dim", "must be >= 0");
  if (!std::isfinite(s.guidance) || s.guidance < 1 || s.guidance > 30) fail("guidance", "must lie in 1..30");
  if (s.original_inference_steps < 1 || s.original_inference_steps > 1000)
    fail("original_inference_steps", "must lie in 1..1000");
  if (s.steps < 1 || s.steps > 8) fail("steps", std::to_string(s.steps) + " is outside 1..8");
  const fs::path d(dir);
  auto need = [&](const fs::path& f) {
    if (!fs::exists(d / f)) throw Error((d / f).string() + ": no such file (kind \"" + s.kind + "\" in " + s.file + ")");
  };
  if (s.kind == "lora") {
    need("lora.safetensors");
    if (s.time_cond_proj_dim > 0) need("cond_proj.safetensors");
  } else {
    need("unet/config.json");
  }
  return s;
}

std::string find_student_dir(const std::string& model_path) {
  const fs::path dir = fs::path(model_path) / "student";
  return fs::is_directory(model_path) && fs::exists(dir / "student.json") ? dir.string() : std::string();
}

}  // namespace ripen::models
