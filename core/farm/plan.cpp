#include "farm/plan.h"

#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "library/library.h"
#include "models/sha256.h"
#include "pipeline/model_presets.h"
#include "pipeline/presets.h"
#include "tensors/error.h"
#include "tensors/json_file.h"

namespace ripen::farm {
namespace fs = std::filesystem;
using nlohmann::json;
namespace {

// The keys a request job may carry: those GenerationRequest writes, its optional ones, and the older names it
// still reads. Anything else is a typo that would silently change nothing.
const std::set<std::string>& request_keys() {
  static const std::set<std::string> keys = [] {
    std::set<std::string> k;
    const json written = GenerationRequest{}.to_json();
    for (const auto& [key, value] : written.items()) k.insert(key);
    for (const char* extra : {"unet", "vae", "networks", "refine_2x", "refine_strength", "refine_steps",
                              "refine_upscale", "refine_sigma"})
      k.insert(extra);
    return k;
  }();
  return keys;
}

std::vector<PlanJob> request_jobs(const json& in, const std::string& where) {
  if (!in.is_object()) throw Error(where + ": \"request\" must be an object");
  for (const auto& [key, value] : in.items())
    if (!request_keys().count(key)) throw Error(where + ": unknown key '" + key + "' in \"request\"");
  json j = in;
  std::optional<std::string> preset;
  if (j.contains("preset")) {
    if (!j.at("preset").is_string()) throw Error(where + ": \"preset\" must be a string");
    preset = j.at("preset").get<std::string>();
    j.erase("preset");
  }
  if (j.contains("parent_id") && !j.at("parent_id").is_null())
    throw Error(where + ": \"parent_id\" is not for plans (use a \"promote\" job)");
  GenerationRequest r;
  try {
    r = GenerationRequest::from_json(j);
    if (preset) {
      const GenerationRequest given = r;
      r = apply_preset(*preset, r);
      // A size the job gives wins over a model preset's.
      if (j.contains("width")) r.width = given.width;
      if (j.contains("height")) r.height = given.height;
    }
    validate_request(r);
  } catch (const Error& e) {
    throw Error(where + ": " + e.what());
  }
  std::vector<PlanJob> out;
  const int batch = r.batch;
  for (int i = 0; i < batch; ++i) {
    PlanJob job;
    job.request = r;
    job.request->batch = 1;
    job.request->seed = r.seed + uint64_t(i);
    job.id = job_id_of(job.to_json());
    out.push_back(std::move(job));
  }
  return out;
}

PlanJob promote_job(const json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": \"promote\" must be an object");
  PromoteJob p;
  try {
    for (const auto& [key, value] : j.items())
      if (key != "library" && key != "id" && key != "mode" && key != "hires" && key != "model")
        throw Error("unknown key '" + key + "' in \"promote\"");
    if (!j.contains("library") || !j.at("library").is_string()) throw Error("\"library\" (a folder) is missing");
    if (!j.contains("id") || !j.at("id").is_number_integer()) throw Error("\"id\" (a library row id) is missing");
    p.library = j.at("library").get<std::string>();
    p.id = j.at("id").get<int64_t>();
    p.mode = promote_mode_from_string(j.value("mode", std::string("rerender")));
    if (p.mode == PromoteMode::None) throw Error("\"mode\" must be continue, rerender or polish");
    if (j.contains("hires")) p.hires = j.at("hires").get<bool>();
    if (j.contains("model")) p.model = j.at("model").get<std::string>();
  } catch (const json::exception& e) {
    throw Error(where + ": " + e.what());
  } catch (const Error& e) {
    throw Error(where + ": " + e.what());
  }
  PlanJob job;
  job.promote = p;
  job.id = job_id_of(job.to_json());
  return job;
}

void require_file(const std::string& what, const std::string& path, const std::string& where) {
  if (!path.empty() && path != "embedded" && !fs::exists(path))
    throw Error(where + ": " + what + " '" + path + "' not found");
}
}  // namespace

json PromoteJob::to_json() const {
  json j = {{"library", library}, {"id", id}, {"mode", to_string(mode)}};
  if (hires) j["hires"] = *hires;
  if (model) j["model"] = *model;
  return j;
}

json PlanJob::to_json() const {
  if (request) {
    json r = request->to_json();
    r.erase("parent_id");
    return {{"request", r}};
  }
  return {{"promote", promote->to_json()}};
}

json Plan::to_json() const {
  json jobs_j = json::array();
  for (const auto& j : jobs) jobs_j.push_back(j.to_json());
  return {{"format", "ripen-plan"}, {"version", kPlanVersion}, {"jobs", jobs_j}};
}

fs::path Plan::library_of(const PromoteJob& p) const {
  fs::path l(p.library);
  return l.is_absolute() ? l : base_dir / l;
}

std::string job_id_of(const json& canonical) { return models::sha256_hex(canonical.dump()).substr(0, 20); }

GenerationRequest apply_preset(const std::string& name, GenerationRequest r) {
  try {
    r.preset = preset_from_string(name);
    return r;
  } catch (const Error&) {
  }
  const ModelPresetCatalog catalog = load_model_presets(model_preset_dirs());
  if (const ModelPreset* p = catalog.find(name)) return p->applied_to(r);
  std::string names = "fast, quality, lightning, custom";
  for (const auto& p : catalog.presets) names += ", " + p.name;
  throw Error("unknown preset '" + name + "' (available: " + names + ")");
}

Plan parse_plan(const json& j, const std::string& origin, const fs::path& base_dir) {
  if (!j.is_object() || j.value("format", "") != "ripen-plan")
    throw Error(origin + ": not a Ripen plan (expected \"format\": \"ripen-plan\")");
  if (!j.contains("version") || !j.at("version").is_number_integer())
    throw Error(origin + ": \"version\" is missing");
  const int version = j.at("version").get<int>();
  if (version != kPlanVersion)
    throw Error(origin + ": plan version " + std::to_string(version) + ", this Ripen reads version " +
                std::to_string(kPlanVersion));
  if (!j.contains("jobs") || !j.at("jobs").is_array()) throw Error(origin + ": \"jobs\" (an array) is missing");
  Plan plan;
  plan.base_dir = base_dir;
  std::set<std::string> seen;
  size_t index = 0;
  for (const auto& job : j.at("jobs")) {
    const std::string where = origin + ": job " + std::to_string(index++);
    std::vector<PlanJob> made;
    if (job.is_object() && job.size() == 1 && job.contains("request"))
      made = request_jobs(job.at("request"), where);
    else if (job.is_object() && job.size() == 1 && job.contains("promote"))
      made.push_back(promote_job(job.at("promote"), where));
    else
      throw Error(where + ": a job is {\"request\": {...}} or {\"promote\": {...}}");
    for (auto& m : made)
      if (seen.insert(m.id).second) plan.jobs.push_back(std::move(m));  // the same job twice is one job
  }
  return plan;
}

Plan read_plan(const fs::path& file) {
  return parse_plan(read_json_file(file), file.string(), fs::absolute(file).parent_path());
}

void write_plan(const Plan& plan, const fs::path& file) {
  std::ofstream out(file, std::ios::trunc);
  out << plan.to_json().dump(2) << "\n";
  out.close();
  if (!out) throw Error(file.string() + ": cannot write the plan");
}

void check_plan(const Plan& plan, const std::string& origin, const std::optional<std::string>& model_override) {
  std::map<fs::path, std::unique_ptr<library::Library>> libraries;
  for (size_t i = 0; i < plan.jobs.size(); ++i) {
    const PlanJob& job = plan.jobs[i];
    const std::string where = origin + ": job " + job.id;
    if (job.request) {
      require_file("model", model_override.value_or(job.request->model), where);
      require_file("UNet", job.request->unet, where);
      require_file("VAE", job.request->vae, where);
      continue;
    }
    const fs::path dir = plan.library_of(*job.promote);
    auto& lib = libraries[dir];
    if (!lib) {
      try {
        lib = std::make_unique<library::Library>(dir, library::Library::Options{.read_only = true, .create = false});
      } catch (const Error& e) {
        throw Error(where + ": promote: " + e.what());
      }
    }
    auto g = lib->get(job.promote->id);
    if (!g) throw Error(where + ": promote: no generation " + std::to_string(job.promote->id) + " in " + dir.string());
    require_file("model", model_override.value_or(job.promote->model.value_or(g->request.model)), where);
  }
}

Plan grid_plan(const std::vector<std::string>& prompts, uint64_t first_seed, uint64_t last_seed,
               const std::vector<std::string>& presets, const GenerationRequest& base) {
  if (last_seed < first_seed) throw Error("seeds: the range ends before it starts");
  if (last_seed - first_seed >= 1000000) throw Error("seeds: more than a million seeds in one plan");
  json jobs = json::array();
  for (const auto& prompt : prompts)
    for (uint64_t seed = first_seed; seed <= last_seed; ++seed)
      for (const auto& preset : presets) {
        GenerationRequest r = apply_preset(preset, base);
        if (base.width && base.height) r.width = base.width, r.height = base.height;  // a given size wins
        r.prompt = prompt;
        r.seed = seed;
        r.batch = 1;
        json rj = r.to_json();
        rj.erase("parent_id");
        jobs.push_back({{"request", rj}});
      }
  return parse_plan({{"format", "ripen-plan"}, {"version", kPlanVersion}, {"jobs", jobs}}, "batch", fs::current_path());
}

Plan promote_plan(const fs::path& library, const std::vector<int64_t>& ids, PromoteMode mode, bool hires) {
  Plan plan;
  plan.base_dir = fs::current_path();
  for (int64_t id : ids) {
    PlanJob job;
    job.promote = PromoteJob{fs::absolute(library).string(), id, mode, hires ? std::optional<bool>(true) : std::nullopt,
                             std::nullopt};
    job.id = job_id_of(job.to_json());
    plan.jobs.push_back(std::move(job));
  }
  return plan;
}

}  // namespace ripen::farm
