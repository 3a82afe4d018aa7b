// Plans (parsing, normalising, job ids, checks before work) and shards (flag, Slurm, Kubernetes).
#include <gtest/gtest.h>

#include <map>

#include "common/test_common.h"
#include "farm/plan.h"
#include "farm/shard.h"
#include "tensors/error.h"

using namespace ripen;
using namespace ripen::farm;
using nlohmann::json;

namespace {
json plan_of(json jobs) { return {{"format", "ripen-plan"}, {"version", kPlanVersion}, {"jobs", jobs}}; }
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
Getenv env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* n) -> const char* {
    auto it = vars.find(n);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}
}  // namespace

TEST(FarmPlan, JobIdsAreStableCanonicalAndBatchesExpand) {
  Plan a = parse_plan(plan_of({{{"request", {{"prompt", "cat"}, {"seed", 5}, {"batch", 3}, {"width", 64}, {"height", 64}}}}}),
                      "a", ".");
  ASSERT_EQ(a.jobs.size(), 3u);
  EXPECT_EQ(a.jobs[2].request->seed, 7u);
  EXPECT_EQ(a.jobs[2].request->batch, 1);
  // The same job written with its defaults spelled out, in another key order: the same id.
  GenerationRequest r;
  r.prompt = "cat";
  r.seed = 6;
  r.width = r.height = 64;
  json full = r.to_json();
  full.erase("parent_id");
  Plan b = parse_plan(plan_of({{{"request", full}}}), "b", ".");
  EXPECT_EQ(b.jobs[0].id, a.jobs[1].id);
  EXPECT_EQ(a.jobs[0].id.size(), 20u);
  EXPECT_NE(a.jobs[0].id, a.jobs[1].id);
  // Round trip through the written form keeps every id.
  Plan c = parse_plan(a.to_json(), "c", ".");
  for (size_t i = 0; i < a.jobs.size(); ++i) EXPECT_EQ(c.jobs[i].id, a.jobs[i].id);
}

TEST(FarmPlan, BadPlansNameTheJobAndTheKey) {
  auto parse = [](json jobs) { return [jobs] { parse_plan(plan_of(jobs), "PLAN.json", "."); }; };
  std::string m = error_of(parse({{{"request", {{"prompt", "a"}}}}, {{"request", {{"prompt", "b"}, {"preset", "turbo-9000"}}}}}));
  EXPECT_NE(m.find("PLAN.json: job 1"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown preset 'turbo-9000'"), std::string::npos) << m;
  m = error_of(parse({{{"request", {{"prompt", "a"}, {"sead", 3}}}}}));
  EXPECT_NE(m.find("unknown key 'sead'"), std::string::npos) << m;
  m = error_of(parse({{{"promote", {{"library", "L"}, {"id", 1}, {"mode", "sharpen"}}}}}));
  EXPECT_NE(m.find("job 0"), std::string::npos) << m;
  m = error_of([] { parse_plan({{"format", "ripen-plan"}, {"version", 99}, {"jobs", json::array()}}, "P", "."); });
  EXPECT_NE(m.find("plan version 99"), std::string::npos) << m;
  // A model preset by name becomes its settings.
  Plan p = parse_plan(plan_of({{{"request", {{"prompt", "a"}, {"preset", "sdxl-lightning-4step"}, {"width", 64}, {"height", 64}}}}}),
                      "P", ".");
  EXPECT_EQ(p.jobs[0].request->model_preset, "sdxl-lightning-4step");
  EXPECT_EQ(p.jobs[0].request->width, 64);
  // check_plan: a missing model is named before any work.
  Plan missing = parse_plan(plan_of({{{"request", {{"prompt", "a"}, {"model", "/no/such/model.safetensors"}}}}}), "P", ".");
  m = error_of([&] { check_plan(missing, "P"); });
  EXPECT_NE(m.find("model '/no/such/model.safetensors' not found"), std::string::npos) << m;
  EXPECT_NO_THROW(check_plan(missing, "P", std::string("embedded")));
}

TEST(FarmPlan, GridIsPromptsTimesSeedsTimesPresets) {
  GenerationRequest base;
  base.width = base.height = 64;
  Plan p = grid_plan({"a", "b"}, 10, 12, {"fast", "quality"}, base);
  ASSERT_EQ(p.jobs.size(), 12u);
  EXPECT_EQ(p.jobs[0].request->prompt, "a");
  EXPECT_EQ(p.jobs[1].request->preset, Preset::Quality);
  EXPECT_EQ(p.jobs[11].request->seed, 12u);
  EXPECT_EQ(p.jobs[11].request->width, 64);
}

TEST(FarmShard, FlagSlurmAndKubernetes) {
  EXPECT_EQ(resolve_shard(std::string("2/4"), {}, env({})).index, 2);
  EXPECT_THROW(resolve_shard(std::string("4/4"), {}, env({})), Error);
  EXPECT_THROW(resolve_shard(std::string("1"), {}, env({})), Error);
  // --array=1-8 (1-based) and --array=0-7: both shards 0..7 of 8.
  Shard s = resolve_shard({}, {}, env({{"SLURM_ARRAY_TASK_ID", "1"}, {"SLURM_ARRAY_TASK_MIN", "1"}, {"SLURM_ARRAY_TASK_COUNT", "8"}}));
  EXPECT_EQ(s.index, 0);
  EXPECT_EQ(s.count, 8);
  EXPECT_EQ(s.source, "slurm");
  EXPECT_EQ(resolve_shard({}, {}, env({{"SLURM_ARRAY_TASK_ID", "7"}, {"SLURM_ARRAY_TASK_MIN", "0"}, {"SLURM_ARRAY_TASK_COUNT", "8"}})).index, 7);
  // --array=0-14:2 -> 8 tasks 0, 2, ..., 14
  EXPECT_EQ(resolve_shard({}, {}, env({{"SLURM_ARRAY_TASK_ID", "6"}, {"SLURM_ARRAY_TASK_MIN", "0"}, {"SLURM_ARRAY_TASK_STEP", "2"},
                                       {"SLURM_ARRAY_TASK_COUNT", "8"}})).index, 3);
  EXPECT_THROW(resolve_shard({}, {}, env({{"SLURM_ARRAY_TASK_ID", "9"}, {"SLURM_ARRAY_TASK_COUNT", "8"}})), Error);
  // The flag wins over the environment.
  EXPECT_EQ(resolve_shard(std::string("1/2"), {}, env({{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_COUNT", "8"}})).count, 2);
  Shard k = resolve_shard({}, {}, env({{"JOB_COMPLETION_INDEX", "3"}, {"RIPEN_SHARD_COUNT", "4"}}));
  EXPECT_EQ(k.index, 3);
  EXPECT_EQ(k.source, "kubernetes");
  EXPECT_EQ(resolve_shard({}, 5, env({{"JOB_COMPLETION_INDEX", "4"}, {"RIPEN_SHARD_COUNT", "2"}})).count, 5);
  std::string m = error_of([] { resolve_shard({}, {}, env({{"JOB_COMPLETION_INDEX", "0"}})); });
  EXPECT_NE(m.find("RIPEN_SHARD_COUNT"), std::string::npos) << m;
  EXPECT_EQ(resolve_shard({}, {}, env({})).count, 1);
  // Round robin: every job in exactly one shard.
  for (size_t job = 0; job < 10; ++job) {
    int owners = 0;
    for (int i = 0; i < 3; ++i) owners += Shard{i, 3, "--shard"}.has(job);
    EXPECT_EQ(owners, 1);
  }
}

TEST(FarmPlan, TheStudiosExportIsAPlanOfPromotions) {
  const auto dir = ripen::test::temp_dir("farm_export");
  Plan p = promote_plan(dir / "library", {4, 9}, PromoteMode::Rerender);
  write_plan(p, dir / "plan.json");
  Plan back = read_plan(dir / "plan.json");
  ASSERT_EQ(back.jobs.size(), 2u);
  EXPECT_EQ(back.jobs[1].promote->id, 9);
  EXPECT_EQ(back.jobs[1].promote->mode, PromoteMode::Rerender);
  EXPECT_EQ(back.library_of(*back.jobs[1].promote), dir / "library");
  EXPECT_EQ(back.jobs[0].id, p.jobs[0].id);
  // check_plan: the library must hold the rows.
  const std::string m = error_of([&] { check_plan(back, "plan.json"); });
  EXPECT_NE(m.find("promote"), std::string::npos) << m;
}
