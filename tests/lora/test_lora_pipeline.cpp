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
  EXPECT_EQ(failed.error, "LoRA 'tiny-sd15-kohya': no file");
  EXPECT_TRUE(at::equal(p.generate(plain).latents, base.latents));
}
