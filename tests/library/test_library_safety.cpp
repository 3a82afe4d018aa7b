// Crash safety (SIGKILL mid-batch), full disk, read-only library, newer schema.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <sstream>
#include <random>
#include <thread>

#include "common/test_common.h"
#include "imageio/file_util.h"
#include "imageio/metadata_read.h"
#include "library/library.h"
#include "library/schema.h"
#include "library/sqlite_db.h"
#include "tensors/error.h"

using namespace ripen;
using namespace ripen::library;
namespace fs = std::filesystem;

namespace {
Image noise_image(int w, int h, uint32_t salt) {
  std::mt19937 rng(salt);
  Image img{w, h, std::vector<uint8_t>(size_t(w) * h * 3)};
  for (auto& v : img.rgb) v = static_cast<uint8_t>(rng());
  return img;
}
GenerationRequest req(uint64_t seed) {
  GenerationRequest r;
  r.prompt = "safety " + std::to_string(seed);
  r.seed = seed;
  return r;
}
std::string file_bytes(const fs::path& p) { return imageio::read_file(p); }
}  // namespace

// A writer process is killed at random moments, many times. Afterwards the database is sound, every row has its
// (complete) image, every row the writer reported committed is there, and at most the one item in flight at each
// kill is missing or left as an orphan file (which `check --repair` adopts).
TEST(LibrarySafety, SigkillMidBatchManyTimes) {
  fs::path dir = test::temp_dir("lib_crash") / "lib";
  { Library create(dir); }
  std::mt19937 rng(42);
  const int kKills = 15;
  std::set<uint64_t> reported;
  uint64_t next_seed = 1;
  for (int k = 0; k < kKills; ++k) {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    std::string start = std::to_string(next_seed);
    if (pid == 0) {
      dup2(out[1], 1);
      close(out[0]);
      execl(RIPEN_WRITER_EXE, RIPEN_WRITER_EXE, dir.c_str(), start.c_str(), "1000", (char*)nullptr);
      _exit(127);
    }
    close(out[1]);
    // Let it commit a few rows, then kill it at a random point of the next one.
    int want = 1 + static_cast<int>(rng() % 4);
    std::string buf;
    int lines = 0;
    char c;
    while (lines < want && read(out[0], &c, 1) == 1) {
      buf.push_back(c);
      if (c == '\n') ++lines;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20000));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer finished or failed before it was killed: " << buf;
    while (read(out[0], &c, 1) == 1) buf.push_back(c);
    close(out[0]);
    std::istringstream in(buf);
    std::string word;
    uint64_t seed = 0, last = next_seed - 1;
    while (in >> word >> seed) {
      reported.insert(seed);
      last = seed;
    }
    next_seed = last + 2;  // skip the in-flight seed so each kill's casualty is identifiable
  }
  Library lib(dir);
  auto rep = lib.check(false);
  EXPECT_TRUE(rep.integrity_ok) << rep.integrity;
  EXPECT_TRUE(rep.rows_without_file.empty());
  std::set<uint64_t> in_db;
  for (std::optional<PageCursor> cur;;) {
    auto p = lib.page({}, 500, cur);
    for (auto& g : p.items) {
      in_db.insert(g.request.seed);
      EXPECT_NO_THROW(imageio::read_image(lib.image_file(g))) << g.image_path;  // complete, decodable
    }
    if (!(cur = p.next)) break;
  }
  for (uint64_t s : reported) EXPECT_TRUE(in_db.count(s)) << "committed seed " << s << " lost";
  // Unreported rows are in-flight items that committed just before the kill: at most one per kill.
  EXPECT_LE(in_db.size(), reported.size() + kKills);
  EXPECT_LE(rep.files_without_row.size() + rep.temp_files.size(), size_t(kKills));
  EXPECT_GE(reported.size(), size_t(kKills));
  auto fixed = lib.check(true);
  EXPECT_TRUE(lib.check(false).clean());
  EXPECT_EQ(lib.count(), static_cast<int64_t>(in_db.size() + fixed.files_adopted));
}

// RLIMIT_FSIZE makes writes past the limit fail with EFBIG (SIGXFSZ ignored), as a full disk would.
TEST(LibrarySafety, FullDiskGivesAClearErrorAndKeepsTheLibrary) {
  fs::path dir = test::temp_dir("lib_full") / "lib";
  {
    Library lib(dir);
    for (int i = 0; i < 3; ++i) lib.store(req(i), {}, noise_image(16, 16, i));
  }
  for (int scenario = 0; scenario < 2; ++scenario) {
    SCOPED_TRACE(scenario == 0 ? "image larger than the space left" : "database growth hits the limit");
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    pid_t pid = fork();
    if (pid == 0) {
      close(out[0]);
      signal(SIGXFSZ, SIG_IGN);
      std::string msg = "no error";
      try {
        Library lib(dir);
        rlimit lim{256 * 1024, 256 * 1024};
        setrlimit(RLIMIT_FSIZE, &lim);
        if (scenario == 0) {
          lib.store(req(100), {}, noise_image(512, 512, 100));  // ~800 KB of incompressible PNG
        } else {
          for (int i = 0; i < 2000; ++i) {  // small images; the WAL outgrows the limit
            GenerationRequest r = req(1000 + i);
            r.prompt = std::string(2000, 'x') + std::to_string(i);
            lib.store(r, {}, noise_image(8, 8, i));
          }
        }
      } catch (const std::exception& e) {
        msg = e.what();
      }
      write(out[1], msg.data(), msg.size());
      _exit(0);
    }
    close(out[1]);
    std::string msg;
    char c;
    while (read(out[0], &c, 1) == 1) msg.push_back(c);
    close(out[0]);
    waitpid(pid, nullptr, 0);
    EXPECT_NE(msg.find("no space left"), std::string::npos) << msg;
    Library lib(dir);
    auto rep = lib.check(false);
    EXPECT_TRUE(rep.integrity_ok) << rep.integrity;
    EXPECT_TRUE(rep.rows_without_file.empty());
    EXPECT_TRUE(rep.temp_files.empty());
    EXPECT_TRUE(rep.files_without_row.empty());
    EXPECT_GE(lib.count(), 3);
    lib.store(req(7777), {}, noise_image(16, 16, 7777));  // and it still takes new work
  }
}

TEST(LibrarySafety, ReadOnlyLibraryOpensReadOnly) {
  fs::path dir = test::temp_dir("lib_ro") / "lib";
  int64_t id;
  {
    Library lib(dir);
    id = lib.store(req(1), {}, noise_image(16, 16, 1));
  }
  ASSERT_FALSE(fs::exists(dir / "library.db-shm"));  // a clean close leaves no WAL files
  chmod((dir / "library.db").c_str(), 0444);
  {
    Library lib(dir);
    EXPECT_TRUE(lib.read_only());
    EXPECT_NE(lib.notice().find("read-only"), std::string::npos) << lib.notice();
    EXPECT_EQ(lib.count(), 1);
    EXPECT_TRUE(lib.get(id));
    try {
      lib.store(req(2), {}, noise_image(16, 16, 2));
      ADD_FAILURE() << "store on a read-only library must fail";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
    }
  }
  chmod((dir / "library.db").c_str(), 0644);
  Library::Options o;
  o.read_only = true;
  Library lib(dir, o);
  EXPECT_TRUE(lib.read_only());
  EXPECT_EQ(lib.count(), 1);
}

TEST(LibrarySafety, NewerSchemaIsRefusedNotDamaged) {
  fs::path dir = test::temp_dir("lib_newer") / "lib";
  { Library lib(dir); }
  {
    Db db((dir / "library.db").string(), SQLITE_OPEN_READWRITE);
    db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion + 5));
  }
  std::string before = file_bytes(dir / "library.db");
  try {
    Library lib(dir);
    ADD_FAILURE() << "a newer library must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("newer Ripen"), std::string::npos) << e.what();
  }
  Library::Options o;
  o.read_only = true;
  EXPECT_THROW(Library(dir, o), Error);
  EXPECT_EQ(file_bytes(dir / "library.db"), before);
}
