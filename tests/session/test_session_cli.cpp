// ripen-cli generate --library L, then ripen-cli promote --library L --id N: the CLI's draft is promoted from the
// library it was stored in, and equals what a GenerationSession on that library (the studio's path) makes of it.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/test_common.h"
#include "library/library_store.h"
#include "session/generation_session.h"
#include "tensors/cpu_threads.h"
#include "tensors/safetensors.h"

using namespace ripen;
namespace fs = std::filesystem;

namespace {
struct CliRun {
  int status = -1;
  std::string out;
};
CliRun cli(const std::string& args) {
  CliRun r;
  FILE* p = popen((std::string(RIPEN_CLI_PATH) + " " + args + " 2>/dev/null").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  r.status = WEXITSTATUS(pclose(p));
  return r;
}

at::Tensor stored_latents(library::Library& lib, int64_t id) {
  auto g = lib.get(id);
  EXPECT_TRUE(g);
  EXPECT_FALSE(g->latents_path.empty());
  return SafeTensors::open(lib.latents_file(*g).string()).tensor("latents").clone();
}

std::string hash_of(const at::Tensor& t) {
  at::Tensor c = t.contiguous();
  return library::content_hash(std::string(static_cast<const char*>(c.data_ptr()), size_t(c.nbytes())));
}
}  // namespace

TEST(SessionCli, DraftInLibraryThenPromoteById) {
  configure_cpu_threads();  // as ripen-cli and the studio's worker do: the thread count changes float sums
  const fs::path lib_dir = test::temp_dir("session_cli") / "lib";
  CliRun g = cli("generate --model embedded --prompt 'grinning face, google style' --seed 11 --preset fast --library " +
              lib_dir.string() + " --json --quiet");
  ASSERT_EQ(g.status, 0) << g.out;
  const int64_t draft = nlohmann::json::parse(g.out).at("library_ids").at(0).get<int64_t>();

  for (const char* mode : {"continue", "polish"}) {
    SCOPED_TRACE(mode);
    CliRun p = cli("promote --library " + lib_dir.string() + " --id " + std::to_string(draft) + " --mode " + mode +
                " --json --quiet");
    ASSERT_EQ(p.status, 0) << p.out;
    auto j = nlohmann::json::parse(p.out);
    EXPECT_EQ(j.at("promoted"), mode);
    EXPECT_TRUE(j.at("latents_from_library").get<bool>());
    const int64_t by_cli = j.at("library_ids").at(0).get<int64_t>();

    session::GenerationSession studio(PipelineOptions{}, std::make_unique<library::LibraryStore>(lib_dir));
    session::Job job;
    job.promote = session::PromoteSettings{};
    job.promote->mode = promote_mode_from_string(mode);
    job.parent = draft;
    session::JobOutcome o = studio.run(job);
    ASSERT_TRUE(o.ok()) << o.result.error;

    library::Library lib(lib_dir);
    auto child = lib.get(by_cli);
    ASSERT_TRUE(child);
    EXPECT_EQ(child->request.parent_id, draft);
    EXPECT_EQ(child->request.promote, promote_mode_from_string(mode));
    const at::Tensor a = stored_latents(lib, by_cli), b = stored_latents(lib, o.ids.at(0));
    EXPECT_EQ(hash_of(a), hash_of(b));
    EXPECT_TRUE(at::equal(a, b));
    std::printf("promote %s: CLI id %lld and session id %lld, latents hash %s\n", mode, (long long)by_cli,
                (long long)o.ids[0], hash_of(a).c_str());
  }

  CliRun bad = cli("promote --library " + lib_dir.string() + " --id 99999 --mode continue --json --quiet");
  EXPECT_NE(bad.status, 0);
  CliRun no_lib = cli("promote --id 1 --mode continue --json");
  EXPECT_EQ(no_lib.status, 2);
}
