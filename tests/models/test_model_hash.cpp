// SHA-256 through libcrypto and the model-hash cache (models/model_hash.h): known answers, cache hits, invalidation
// by size and mtime, a corrupt cache ignored and rebuilt, what a folder's hash covers.
#include <chrono>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/test_common.h"
#include "models/model_hash.h"
#include "models/sha256.h"
#include "tensors/error.h"

using namespace ripen;
using namespace ripen::models;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

json read_json(const fs::path& p) { return json::parse(std::ifstream(p)); }

// Sets the cached digest of `file` to `digest`, so a later answer shows whether it came from the cache.
void plant(const fs::path& cache, const fs::path& file, const std::string& digest) {
  json db = read_json(cache);
  db["files"][fs::absolute(file).lexically_normal().string()]["sha256"] = digest;
  std::ofstream(cache) << db.dump();
}

const std::string kFake(64, 'f');

}  // namespace

TEST(ModelHash, Sha256KnownAnswers) {
  // FIPS 180-4 / NIST examples.
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Fed in uneven pieces: the same digest.
  Sha256 s;
  const std::string msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  for (size_t i = 0; i < msg.size(); i += 7) s.update(msg.data() + i, std::min<size_t>(7, msg.size() - i));
  EXPECT_EQ(s.hex_digest(), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(ModelHash, FileDigestSpansReadBuffers) {
  auto dir = test::temp_dir("hash-file");
  std::string bytes(9 << 20, '\0');  // more than two 4 MiB reads, not a multiple of them
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 2654435761u) >> 13);
  bytes += "tail";
  write(dir / "big.bin", bytes);
  EXPECT_EQ(sha256_file((dir / "big.bin").string()), sha256_hex(bytes));
  auto msg = [&] {
    try {
      sha256_file((dir / "absent.bin").string());
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  EXPECT_NE(msg.find("absent.bin"), std::string::npos) << msg;
}

TEST(ModelHash, SecondCallIsACacheHit) {
  auto dir = test::temp_dir("hash-hit");
  write(dir / "m.safetensors", "abc");
  HashCache cache(dir / "cache/hashes.json");
  EXPECT_EQ(cache.sha256((dir / "m.safetensors").string()), sha256_hex("abc"));
  auto db = read_json(dir / "cache/hashes.json");
  EXPECT_EQ(db["version"], 1);
  const std::string key = fs::absolute(dir / "m.safetensors").string();
  ASSERT_TRUE(db["files"].contains(key)) << db.dump();
  EXPECT_EQ(db["files"][key]["size"], 3);
  plant(dir / "cache/hashes.json", dir / "m.safetensors", kFake);
  EXPECT_EQ(cache.sha256((dir / "m.safetensors").string()), kFake);  // read from the cache, not the file
  // A relative spelling of the same file is the same entry.
  fs::current_path(dir);
  EXPECT_EQ(cache.sha256("./m.safetensors"), kFake);
  // model_hash: the full digest and A1111's 10-digit short hash.
  auto h = model_hash((dir / "m.safetensors").string(), cache);
  EXPECT_EQ(h.sha256, kFake);
  EXPECT_EQ(h.short_hash, "ffffffffff");
}

TEST(ModelHash, ChangedMtimeOrSizeIsHashedAgain) {
  auto dir = test::temp_dir("hash-invalidate");
  const fs::path file = dir / "m.safetensors", cache_file = dir / "hashes.json";
  write(file, "abc");
  HashCache cache(cache_file);
  cache.sha256(file.string());
  plant(cache_file, file, kFake);
  // Same bytes, newer mtime: hashed again.
  fs::last_write_time(file, fs::last_write_time(file) + std::chrono::seconds(5));
  EXPECT_EQ(cache.sha256(file.string()), sha256_hex("abc"));
  // Different size, mtime put back to the recorded one: hashed again.
  plant(cache_file, file, kFake);
  const auto mtime = fs::last_write_time(file);
  write(file, "abcd");
  fs::last_write_time(file, mtime);
  EXPECT_EQ(cache.sha256(file.string()), sha256_hex("abcd"));
  EXPECT_EQ(read_json(cache_file)["files"][fs::absolute(file).string()]["sha256"], sha256_hex("abcd"));
}

TEST(ModelHash, CorruptCacheIsIgnoredAndRebuilt) {
  auto dir = test::temp_dir("hash-corrupt");
  write(dir / "a.safetensors", "abc");
  write(dir / "b.safetensors", "");
  for (const std::string junk : {"{\"version\": 1, \"files\": {", "[1, 2]", "{\"version\": 7, \"files\": {}}",
                                 "{\"version\": 1, \"files\": {\"x\": 3}}"}) {
    SCOPED_TRACE(junk);
    write(dir / "hashes.json", junk);
    HashCache cache(dir / "hashes.json");
    EXPECT_EQ(cache.sha256((dir / "a.safetensors").string()), sha256_hex("abc"));
    auto db = read_json(dir / "hashes.json");  // valid again, with the entry
    EXPECT_EQ(db["files"][fs::absolute(dir / "a.safetensors").string()]["sha256"], sha256_hex("abc"));
  }
  // An entry whose digest is not 64 hex digits is not trusted.
  HashCache cache(dir / "hashes.json");
  cache.sha256((dir / "b.safetensors").string());
  plant(dir / "hashes.json", dir / "b.safetensors", "not-a-digest");
  EXPECT_EQ(cache.sha256((dir / "b.safetensors").string()), sha256_hex(""));
  // Entries of deleted files are dropped at the next write.
  EXPECT_TRUE(read_json(dir / "hashes.json")["files"].contains(fs::absolute(dir / "a.safetensors").string()));
  fs::remove(dir / "a.safetensors");
  write(dir / "c.safetensors", "c");
  cache.sha256((dir / "c.safetensors").string());
  EXPECT_FALSE(read_json(dir / "hashes.json")["files"].contains(fs::absolute(dir / "a.safetensors").string()));
  // No temporary files left beside the cache.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.path().filename().string().rfind("hashes.json", 0) == 0;
  EXPECT_EQ(files, 1);
}

TEST(ModelHash, DefaultCacheFollowsXdgThenHome) {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const std::string saved = xdg ? xdg : "";
  ::setenv("XDG_CACHE_HOME", "/tmp/xdg-test", 1);
  EXPECT_EQ(HashCache::default_file(), fs::path("/tmp/xdg-test/ripen/hashes.json"));
  ::setenv("XDG_CACHE_HOME", "", 1);
  EXPECT_EQ(HashCache::default_file(), fs::path(std::getenv("HOME")) / ".cache/ripen/hashes.json");
  if (xdg) ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  else ::unsetenv("XDG_CACHE_HOME");
}

TEST(ModelHash, FolderHashIsItsUnetWeights) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto dir = test::temp_dir("hash-folder");
  HashCache cache(dir / "hashes.json");
  auto h = model_hash((oracle / "tiny-sd15").string(), cache);
  EXPECT_EQ(h.sha256, sha256_file((oracle / "tiny-sd15/unet/diffusion_pytorch_model.safetensors").string()));
  EXPECT_EQ(h.short_hash, h.sha256.substr(0, 10));
  auto file = model_hash((oracle / "tiny-sd15-ldm.safetensors").string(), cache);
  EXPECT_EQ(file.sha256, sha256_file((oracle / "tiny-sd15-ldm.safetensors").string()));
}
