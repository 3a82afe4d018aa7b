// GenerationRequest::networks through Pipeline::generate: the cached model carries exactly the request's networks
// (merged, re-multiplied, removed) and a request without them renders exactly what it did before any was merged.
#include <gtest/gtest.h>

#include "common/test_common.h"
#include "pipeline/pipeline.h"

using namespace ripen;

namespace {

GenerationRequest request(const std::filesystem::path& oracle) {
  GenerationRequest r;
  r.model = (oracle / "tiny-sd15").string();
  r.prompt = "a red apple on a white table";
  r.seed = 5;
  r.width = r.height = 64;
  r.preset = Preset::Custom;
  r.steps = 3;
  return r;
}

NetworkRef kohya(const std::filesystem::path& oracle, double m) {
  NetworkRef n;
  n.name = "tiny-sd15-kohya";
  n.path = (oracle / "wave2/lora/tiny-sd15-kohya.safetensors").string();
  n.te = n.unet = m;
  return n;
}

}  // namespace

TEST(LoraPipeline, RequestNetworksAreMergedAndTakenOutAgain) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  if (!std::filesystem::exists(oracle / "wave2/lora/tiny-sd15-kohya.safetensors")) GTEST_SKIP() << "no wave2/lora";
  Pipeline p;
  GenerationRequest plain = request(oracle);
  auto base = p.generate(plain);
  ASSERT_EQ(base.status, GenerationResult::Status::Ok) << base.error;

  GenerationRequest with = plain;
  with.networks = {kohya(oracle, 0.7)};
  auto a = p.generate(with);
  ASSERT_EQ(a.status, GenerationResult::Status::Ok) << a.error;
  EXPECT_FALSE(at::equal(a.latents, base.latents));
  with.networks = {kohya(oracle, 0.3)};
  auto b = p.generate(with);
  EXPECT_FALSE(at::equal(a.latents, b.latents));
  with.networks = {kohya(oracle, 0.7)};
  EXPECT_TRUE(at::equal(p.generate(with).latents, a.latents));  // re-merged from the originals: the same bits

  auto again = p.generate(plain);
  ASSERT_EQ(again.status, GenerationResult::Status::Ok) << again.error;
  EXPECT_TRUE(at::equal(again.latents, base.latents));

  with.networks = {kohya(oracle, 0.7)};
  with.networks[0].path.clear();
  auto failed = p.generate(with);
  EXPECT_EQ(failed.status, GenerationResult::Status::Failed);
  // A name without a file is looked up in the LoRA folders; this pipeline has none.
  EXPECT_NE(failed.error.find("LoRA 'tiny-sd15-kohya' not found: no LoRA folders are configured"), std::string::npos)
      << failed.error;
  EXPECT_TRUE(at::equal(p.generate(plain).latents, base.latents));
}

// The prompt's <lora:NAME:W> tag, looked up in the pipeline's LoRA folder, merges the same network as naming its
// file in GenerationRequest::networks, and the record keeps it with its A1111 hash.
TEST(LoraPipeline, PromptTagFromTheFoldersEqualsTheRequestNetwork) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  if (!std::filesystem::exists(oracle / "wave2/lora/tiny-sd15-kohya.safetensors")) GTEST_SKIP() << "no wave2/lora";
  PipelineOptions o;
  o.network_folders.lora = {(oracle / "wave2/lora").string()};
  Pipeline p(o);
  GenerationRequest listed = request(oracle);
  listed.networks = {kohya(oracle, 0.7)};
  auto a = p.generate(listed);
  ASSERT_EQ(a.status, GenerationResult::Status::Ok) << a.error;
  GenerationRequest tagged = request(oracle);
  tagged.prompt = "a red apple <lora:tiny-sd15-kohya:0.7> on a white table";
  auto b = p.generate(tagged);
  ASSERT_EQ(b.status, GenerationResult::Status::Ok) << b.error;
  // The tag is cut from the encoded text as A1111 cuts it ("a red apple  on a white table"), so compare against
  // that prompt written out.
  listed.prompt = "a red apple  on a white table";
  auto c = p.generate(listed);
  EXPECT_TRUE(at::equal(b.latents, c.latents));
  ASSERT_EQ(b.record.networks.size(), 1u);
  EXPECT_EQ(b.record.networks[0].name, "tiny-sd15-kohya");
  EXPECT_EQ(b.record.networks[0].hash, "a33ed4353c4d");
  EXPECT_DOUBLE_EQ(b.record.networks[0].unet, 0.7);
}
