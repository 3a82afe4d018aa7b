// A reader thread and a writer thread (each with its own connection, as the GUI and a generation worker have)
// for RIPEN_CONCURRENCY_SECONDS: no "database is locked" or any other error reaches either side.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/test_common.h"
#include "library/library.h"

using namespace ripen;
using namespace ripen::library;

TEST(LibraryConcurrency, ReaderAndWriterTogether) {
  const auto dir = test::temp_dir("lib_concurrency") / "lib";
  { Library create(dir); }
  std::atomic<bool> stop{false};
  std::atomic<int64_t> writes{0}, reads{0};
  std::string writer_error, reader_error;
  std::thread writer([&] {
    try {
      Library lib(dir);
      Image img{16, 16, std::vector<uint8_t>(16 * 16 * 3, 77)};
      for (uint64_t i = 0; !stop; ++i) {
        GenerationRequest r;
        r.prompt = (i % 2 ? "castle on a hill " : "harbour at dawn ") + std::to_string(i);
        r.seed = i;
        int64_t id = lib.store(r, {}, img);
        if (i % 5 == 0) lib.set_favourite(id, true);
        ++writes;
      }
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });
  std::thread reader([&] {
    try {
      Library lib(dir);
      GalleryFilter text;
      text.text = "castle";
      GalleryFilter fav;
      fav.favourite = true;
      while (!stop) {
        auto p = lib.page({}, 60);
        if (p.next) lib.page({}, 60, p.next);
        lib.page(text, 60);
        lib.page(fav, 60);
        lib.statistics();
        ++reads;
      }
    } catch (const std::exception& e) {
      reader_error = e.what();
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(RIPEN_CONCURRENCY_SECONDS));
  stop = true;
  writer.join();
  reader.join();
  EXPECT_EQ(writer_error, "");
  EXPECT_EQ(reader_error, "");
  EXPECT_GT(writes.load(), 10);
  EXPECT_GT(reads.load(), 10);
  Library lib(dir);
  EXPECT_EQ(lib.count(), writes.load());
  auto rep = lib.check(false);
  EXPECT_TRUE(rep.clean()) << rep.integrity;
  std::printf("%lld writes, %lld read rounds in %d s\n", static_cast<long long>(writes.load()),
              static_cast<long long>(reads.load()), RIPEN_CONCURRENCY_SECONDS);
}
