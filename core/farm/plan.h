#pragma once
// A render-farm plan: a list of jobs, as data. Each job makes one image: a generation request (batch 1), or the
// promotion of a row of an existing library. A job's id is a hash of its canonical JSON (the request with every
// field filled in, or the promotion's parent library as written, id and mode), so the same job has the same id in
// every shard and on every re-run: done = a row with that id in the shard's library.
//
// PLAN.json:
//   {"format": "ripen-plan", "version": 1,
//    "jobs": [{"request": {GenerationRequest JSON; "preset" may name a model preset; "batch": N expands into N
//                          jobs of seed, seed + 1, ...}},
//             {"promote": {"library": "drafts", "id": 12, "mode": "rerender"|"continue"|"polish",
//                          "hires": false (optional), "model": "PATH" (optional: where the parent's model is)}}]}
// A promotion's library path is relative to the plan file's folder.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/request.h"

namespace ripen::farm {

inline constexpr int kPlanVersion = 1;

struct PromoteJob {
  std::string library;  // as written in the plan
  int64_t id = 0;
  PromoteMode mode = PromoteMode::Rerender;
  std::optional<bool> hires;
  std::optional<std::string> model;
  nlohmann::json to_json() const;
};

struct PlanJob {
  std::string id;  // job_id_of(to_json())
  std::optional<GenerationRequest> request;
  std::optional<PromoteJob> promote;
  nlohmann::json to_json() const;  // canonical: {"request": ...} or {"promote": ...}
};

struct Plan {
  std::vector<PlanJob> jobs;
  std::filesystem::path base_dir;  // promotions' library paths are relative to it
  nlohmann::json to_json() const;
  std::filesystem::path library_of(const PromoteJob& p) const;
};

// The first 20 hex digits (80 bits) of the SHA-256 of the JSON's compact dump (keys sorted).
std::string job_id_of(const nlohmann::json& canonical);

// `name` a built-in preset (fast, quality, lightning, custom) or a model preset (model_presets.h), applied to
// `r`. Throws ripen::Error naming it and listing the known names.
GenerationRequest apply_preset(const std::string& name, GenerationRequest r);

// Parses and normalises a plan (presets applied, batches expanded, requests validated). Throws ripen::Error
// naming `origin`, the job's index and the key. Touches no file: see check_plan.
Plan parse_plan(const nlohmann::json& j, const std::string& origin, const std::filesystem::path& base_dir);
Plan read_plan(const std::filesystem::path& file);
void write_plan(const Plan& plan, const std::filesystem::path& file);

// What a plan needs before any work starts: every model file exists ("embedded" always does; `model_override`
// replaces every job's), every promotion's library has its row. Throws ripen::Error naming the first job that
// cannot run.
void check_plan(const Plan& plan, const std::string& origin, const std::optional<std::string>& model_override = {});

// prompts × seeds × presets, in that nesting order (prompt outermost).
Plan grid_plan(const std::vector<std::string>& prompts, uint64_t first_seed, uint64_t last_seed,
               const std::vector<std::string>& presets, const GenerationRequest& base);
// "Render these drafts on the farm": one promotion per id of `library` (the studio's Export farm plan).
Plan promote_plan(const std::filesystem::path& library, const std::vector<int64_t>& ids, PromoteMode mode,
                  bool hires = false);

}  // namespace ripen::farm
