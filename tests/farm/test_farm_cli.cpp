// ripen-cli batch as a render farm on one machine: a plan of RIPEN_FARM_JOBS jobs (drafts in two modes and
// promotions of a drafts library) run as 4 shard processes and merged equals the same plan run by one process:
// the same jobs, image pixels, latents and lineage graph. A shard killed midway resumes without duplicates;
// merging twice adds nothing; a shard of another schema is refused; an unknown preset stops before any work;
// a job rendered by a shard equals the same seed rendered by `ripen-cli generate`.
#include <gtest/gtest.h>
#include <signal.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "common/test_common.h"
#include "library/library.h"
#include "library/merge.h"
#include "library/sqlite_db.h"
#include "tensors/safetensors.h"

extern char** environ;
using namespace ripen;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
const std::string kPrompts[] = {"grinning face, google style", "red apple, twitter style"};

pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<std::string> all = {RIPEN_CLI_PATH};
  all.insert(all.end(), args.begin(), args.end());
  // One thread per process: 4 shards share 2 cores, and every run sums its floats the same way.
  if (args.at(0) == "batch" || args.at(0) == "generate") all.insert(all.end(), {"--threads", "1"});
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, (log.string() + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}
int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}
struct CliRun {
  int status;
  std::string out, err;
};
CliRun cli(const std::vector<std::string>& args, const fs::path& log) {
  int status = wait_for(spawn(args, log));
  return {status, slurp(log), slurp(log.string() + ".err")};
}

// The plan: drafts (a few-step ancestral custom run, whose step noise comes from the seed's Brownian path, and
// fast) of two prompts, and promotions (continue, polish) of the drafts of `drafts`.
json make_plan(const fs::path& drafts, int jobs) {
  json list = json::array();
  const char* modes[] = {"continue", "polish", "continue"};  // rerender is quality's 30 steps from noise: too slow here
  for (int i = 0; i < 3; ++i)
    list.push_back({{"promote", {{"library", drafts.string()}, {"id", i + 1}, {"mode", modes[i]}}}});
  for (int i = 0; int(list.size()) < jobs; ++i) {
    json r = {{"prompt", kPrompts[i % 2]}, {"seed", 1000 + i}, {"width", 64}, {"height", 64}};
    if (i % 4 == 3) r["preset"] = "fast";
    else r.update({{"preset", "custom"}, {"sampler", "euler_ancestral"}, {"steps", 4}, {"cfg", 6.0}});
    json job = {{"request", r}};
    list.insert(list.begin() + (i % 5 == 4 ? 0 : long(list.size())), job);  // the promotions move along
  }
  return {{"format", "ripen-plan"}, {"version", 1}, {"jobs", list}};
}

struct Row {
  std::string pixels, latents, parent;  // parent: its key
};
std::string tensor_bytes(const fs::path& file) {
  if (file.empty()) return "";
  auto st = SafeTensors::open(file.string());
  std::string all;
  for (const auto& name : {"latents", "composition_latents"})
    if (st.contains(name)) {
      at::Tensor t = st.tensor(name).contiguous();
      all += std::string(name) + ":" + std::string(static_cast<const char*>(t.data_ptr()), size_t(t.nbytes()));
    }
  return all;
}
// Every row by its job id (or, for the copied parents of promotions, its pixels), with its parent's key.
std::map<std::string, Row> rows_of(const fs::path& dir) {
  library::Library lib(dir, {.read_only = true, .create = false});
  std::map<int64_t, std::string> key_of;
  std::map<std::string, Row> rows;
  std::vector<library::Generation> all;
  for (std::optional<library::PageCursor> cur;;) {
    auto page = lib.page({}, 500, cur);
    all.insert(all.end(), page.items.begin(), page.items.end());
    if (!(cur = page.next)) break;
  }
  for (const auto& g : all) key_of[g.id] = g.job_id.empty() ? "pixels:" + library::pixel_hash(lib.image_file(g)) : g.job_id;
  for (const auto& g : all) {
    Row r;
    r.pixels = library::pixel_hash(lib.image_file(g));
    r.latents = library::content_hash(tensor_bytes(lib.latents_file(g)));
    auto anc = lib.ancestors(g.id);
    r.parent = anc.empty() ? "" : key_of.at(anc.front().id);
    EXPECT_TRUE(rows.emplace(key_of[g.id], r).second) << "two rows of " << key_of[g.id] << " in " << dir;
  }
  return rows;
}
int64_t count_rows(const fs::path& dir) {
  try {
    library::Library lib(dir, {.read_only = true, .create = false});
    return lib.count();
  } catch (const std::exception&) {
    return 0;
  }
}
}  // namespace

// Named by the plan's size, so the default (16) and slow (64) binaries register different ctest names.
#define RIPEN_FARM_CAT(a, b) a##b
#define RIPEN_FARM_NAME(n) RIPEN_FARM_CAT(ShardsMergedEqualOneProcess_, n)
TEST(FarmCli, RIPEN_FARM_NAME(RIPEN_FARM_JOBS)) {
  const int kJobs = RIPEN_FARM_JOBS, kShards = 4;
  const fs::path root = test::temp_dir("farm_cli_" + std::to_string(kJobs));
  const fs::path logs = root / "logs";
  fs::create_directories(logs);
  // The drafts library the promotions come from (the artist's).
  CliRun d = cli({"batch", "--prompt", kPrompts[0], "--seeds", "7-9", "--preset", "fast", "--size", "64x64", "--library",
               (root / "drafts").string(), "--quiet"}, logs / "drafts");
  ASSERT_EQ(d.status, 0) << d.err;
  const fs::path plan = root / "plan.json";
  std::ofstream(plan) << make_plan(root / "drafts", kJobs).dump(2);

  // An unknown preset (or model) stops the batch before any work, naming it.
  json bad = make_plan(root / "drafts", 6);
  bad["jobs"][5]["request"]["preset"] = "turbo-9000";
  std::ofstream(root / "bad.json") << bad.dump();
  CliRun b = cli({"batch", "--plan", (root / "bad.json").string(), "--library", (root / "bad").string()}, logs / "bad");
  EXPECT_NE(b.status, 0);
  EXPECT_NE(b.err.find("turbo-9000"), std::string::npos) << b.err;
  EXPECT_FALSE(fs::exists(root / "bad"));
  bad["jobs"][5]["request"]["preset"] = "fast";
  bad["jobs"][5]["request"]["model"] = "/nowhere/model.safetensors";
  std::ofstream(root / "bad.json") << bad.dump();
  b = cli({"batch", "--plan", (root / "bad.json").string(), "--library", (root / "bad").string()}, logs / "bad");
  EXPECT_NE(b.status, 0);
  EXPECT_NE(b.err.find("/nowhere/model.safetensors"), std::string::npos) << b.err;
  EXPECT_FALSE(fs::exists(root / "bad"));

  auto t0 = std::chrono::steady_clock::now();
  CliRun one = cli({"batch", "--plan", plan.string(), "--library", (root / "single").string(), "--quiet"}, logs / "single");
  ASSERT_EQ(one.status, 0) << one.err;
  const double single_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(json::parse(one.out).at("rendered"), kJobs);

  // 4 shard processes at once; shard 1 is killed midway and re-run.
  t0 = std::chrono::steady_clock::now();
  std::vector<pid_t> pids;
  for (int i = 0; i < kShards; ++i)
    pids.push_back(spawn({"batch", "--plan", plan.string(), "--library", (root / ("shard-" + std::to_string(i))).string(),
                          "--shard", std::to_string(i) + "/" + std::to_string(kShards), "--quiet"},
                         logs / ("shard-" + std::to_string(i))));
  const fs::path killed = root / "shard-1";
  while (count_rows(killed) < 2 && !waitpid(pids[1], nullptr, WNOHANG))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(pids[1], SIGKILL);
  const int64_t before_resume = count_rows(killed);
  for (int i = 0; i < kShards; ++i) {
    const int status = wait_for(pids[i]);
    if (i != 1) EXPECT_EQ(status, 0) << slurp(logs / ("shard-" + std::to_string(i) + ".err"));
  }
  CliRun resumed = cli({"batch", "--plan", plan.string(), "--library", killed.string(), "--shard", "1/4", "--quiet"},
                    logs / "resumed");
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  const double shards_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const json rj = json::parse(resumed.out);
  EXPECT_GE(rj.at("done_before").get<int64_t>(), 2);
  EXPECT_EQ(rj.at("done_before").get<int64_t>() + rj.at("rendered").get<int64_t>(), kJobs / kShards);
  std::printf("killed shard 1 with %lld rows; the re-run found %lld done and rendered %lld\n", (long long)before_resume,
              (long long)rj.at("done_before").get<int64_t>(), (long long)rj.at("rendered").get<int64_t>());

  std::vector<std::string> merge = {"library", "merge"};
  for (int i = 0; i < kShards; ++i) merge.push_back((root / ("shard-" + std::to_string(i))).string());
  merge.insert(merge.end(), {"--into", (root / "merged").string(), "--json"});
  CliRun m = cli(merge, logs / "merge");
  ASSERT_EQ(m.status, 0) << m.err;
  const auto single = rows_of(root / "single"), merged = rows_of(root / "merged");
  EXPECT_EQ(merged.size(), single.size());
  int promoted = 0;
  for (const auto& [key, row] : single) {
    SCOPED_TRACE(key);
    auto it = merged.find(key);
    ASSERT_NE(it, merged.end());
    EXPECT_EQ(it->second.pixels, row.pixels);
    EXPECT_EQ(it->second.latents, row.latents);
    EXPECT_EQ(it->second.parent, row.parent);
    promoted += !row.parent.empty();
  }
  EXPECT_EQ(promoted, 3);
  EXPECT_EQ(single.size(), size_t(kJobs + 3));  // the jobs and the promotions' parents

  // Merging again adds nothing; the same shard index run twice (another library) merges as duplicates only.
  CliRun again = cli(merge, logs / "merge-again");
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(json::parse(again.out).at("added"), 0);
  CliRun twin = cli({"library", "merge", (root / "single").string(), "--into", (root / "merged").string(), "--json"},
                 logs / "merge-single");
  ASSERT_EQ(twin.status, 0) << twin.err;
  EXPECT_EQ(json::parse(twin.out).at("added"), 0);
  EXPECT_TRUE(json::parse(twin.out).at("conflicts").empty());
  EXPECT_EQ(rows_of(root / "merged").size(), single.size());

  // A shard from a newer Ripen is refused, and nothing of it is merged.
  fs::copy(root / "shard-0", root / "newer", fs::copy_options::recursive);
  { library::Db db((root / "newer" / "library.db").string(), SQLITE_OPEN_READWRITE); db.exec("PRAGMA user_version = 99"); }
  CliRun refused = cli({"library", "merge", (root / "newer").string(), "--into", (root / "fresh").string()}, logs / "newer");
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.err.find("schema version 99"), std::string::npos) << refused.err;
  EXPECT_EQ(count_rows(root / "fresh"), 0);

  // A seed rendered in a shard equals the same seed rendered locally by `generate` (bit-identical on the CPU).
  CliRun local = cli({"generate", "--model", "embedded", "--prompt", kPrompts[1], "--seed", "1003", "--preset", "fast",
                   "--size", "64x64", "--out", (root / "local.png").string(), "--quiet"}, logs / "local");
  ASSERT_EQ(local.status, 0) << local.err;
  const std::string local_pixels = library::pixel_hash(root / "local.png");
  bool found = false;
  for (const auto& [key, row] : merged) found |= row.pixels == local_pixels;
  EXPECT_TRUE(found) << "seed 1003 rendered by generate is not among the merged images";

  std::printf("%d jobs: one process %.1f s (%.1f jobs/min incl. startup); %d shard processes %.1f s incl. kill and "
              "resume\n", kJobs, single_s, kJobs * 60.0 / single_s, kShards, shards_s);
}
