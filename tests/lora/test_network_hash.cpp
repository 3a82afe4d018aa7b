// A1111's LoRA hash (lora/network_hash.h): sha256 of the bytes after the safetensors header, first 12 hex; the
// sshs_model_hash metadata wins; metadata edits keep the hash; lookup by hash; the cache.
#include <filesystem>
#include <fstream>

#include "common/test_common.h"
#include "lora/network_hash.h"
#include "models/sha256.h"
#include "tensors/safetensors.h"

using namespace ripen;
using namespace ripen::lora;
namespace fs = std::filesystem;

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
}  // namespace

TEST(NetworkHash, AddnetHashSkipsTheHeader) {
  const fs::path dir = test::temp_dir("lora_hash");
  models::HashCache cache(dir / "hashes.json");
  const std::map<std::string, at::Tensor> t = {{"lora_unet_x.lora_down.weight", at::arange(12, at::kFloat).view({3, 4})}};
  save_safetensors((dir / "a.safetensors").string(), t, {{"ss_output_name", "a"}});
  save_safetensors((dir / "b.safetensors").string(), t, {{"ss_output_name", "a much longer alias than before"}});

  const std::string bytes = slurp(dir / "a.safetensors");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[size_t(i)]);
  const std::string want = models::sha256_hex(bytes.substr(8 + n));  // hashes.py addnet_hash_safetensors

  const NetworkHash a = network_hash((dir / "a.safetensors").string(), cache);
  EXPECT_EQ(a.sha256, want);
  EXPECT_EQ(a.short_hash, want.substr(0, 12));
  EXPECT_NE(a.sha256, models::sha256_file((dir / "a.safetensors").string()));
  EXPECT_EQ(network_hash((dir / "b.safetensors").string(), cache).sha256, want);  // metadata is not hashed
  // cached: the same answer from the cache file
  EXPECT_NE(slurp(dir / "hashes.json").find(want), std::string::npos);
  EXPECT_EQ(network_hash((dir / "a.safetensors").string(), cache).sha256, want);
  // the whole-file digest lives beside it in the same entry
  const std::string whole = cache.sha256((dir / "a.safetensors").string());
  EXPECT_EQ(whole, models::sha256_hex(bytes));
  EXPECT_EQ(network_hash((dir / "a.safetensors").string(), cache).sha256, want);
}

TEST(NetworkHash, SshsModelHashWinsAndLookupByHash) {
  const fs::path dir = test::temp_dir("lora_hash_lookup");
  models::HashCache cache(dir / "hashes.json");
  fs::create_directories(dir / "loras/sub");
  const std::string given = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
  save_safetensors((dir / "loras/k.safetensors").string(), {{"x", at::ones({2})}}, {{"sshs_model_hash", given}});
  save_safetensors((dir / "loras/sub/m.safetensors").string(), {{"x", at::zeros({2})}});
  EXPECT_EQ(network_hash((dir / "loras/k.safetensors").string(), cache).short_hash, "abcdef012345");

  NetworkFolders f;
  f.lora = {(dir / "loras").string()};
  const NetworkListing l = list_networks(f, NetworkKind::Lora);
  const std::string m_hash = network_hash((dir / "loras/sub/m.safetensors").string(), cache).short_hash;
  const NetworkInfo* m = find_network_by_hash(l, m_hash, cache);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "m");
  const NetworkInfo* k = find_network_by_hash(l, "ABCDEF012345", cache);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->name, "k");
  EXPECT_EQ(find_network_by_hash(l, "000000000000", cache), nullptr);
  EXPECT_EQ(find_network_by_hash(l, "", cache), nullptr);
}

TEST(NetworkHash, WaveTwoFixturesMatchHashlib) {
  // python3: hashlib.sha256(b[8 + n:]).hexdigest()[:12], n = int.from_bytes(b[:8], 'little') (hashes.py's reading)
  RIPEN_ORACLE_OR_SKIP(oracle);
  models::HashCache none{fs::path()};
  EXPECT_EQ(network_hash((oracle / "wave2/lora/tiny-sd15-kohya.safetensors").string(), none).short_hash, "a33ed4353c4d");
  EXPECT_EQ(network_hash((oracle / "wave2/lora/tiny-sdxl-kohya.safetensors").string(), none).short_hash, "2790ccead259");
  EXPECT_EQ(network_hash((oracle / "wave2/lora/tiny-sd15-peft.safetensors").string(), none).short_hash, "c316a2bcdf55");
}
