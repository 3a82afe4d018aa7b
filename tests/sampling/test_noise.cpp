// Initial noise: torch.randn parity (reference tensors made with Debian's Python torch 1.13, see data/README.md),
// A1111's Philox "NV" generator, per-image seeds.
#include <regex>

#include "common/test_common.h"
#include "tensors/error.h"
#include "sampling/noise.h"
#include "sampling/philox.h"
#include "tensors/safetensors.h"

using namespace ripen::sampling;

namespace {
const std::string kData = RIPEN_SAMPLING_TEST_DATA;
std::vector<int64_t> parse_shape(const std::string& dims) {
  std::vector<int64_t> shape;
  std::stringstream ss(dims);
  std::string d;
  while (std::getline(ss, d, 'x')) shape.push_back(std::stoll(d));
  return shape;
}
}  // namespace

TEST(Noise, RandnCpuIsBitIdenticalToTorchRandn) {
  auto st = ripen::SafeTensors::open(kData + "/randn_cpu.safetensors");
  std::regex re(R"(seed(\d+)_([0-9x]+))");
  int n = 0;
  for (const auto& key : st.keys()) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(key, m, re)) << key;
    at::Tensor ref = st.tensor(key);
    at::Tensor mine = randn_cpu(std::stoull(m[1]), parse_shape(m[2]), ref.scalar_type());
    EXPECT_TRUE(at::equal(mine, ref)) << key;
    ++n;
  }
  EXPECT_EQ(n, 6);
}

TEST(Noise, RandnCpuMatchesOracleSeeds) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  struct Case {
    const char* file;
    const char* key;
    uint64_t seed;
  } cases[] = {{"tiny-sd15/ref/pipeline_euler.safetensors", "initial_noise", 3001},
               {"tiny-sdxl/ref/pipeline_euler.safetensors", "initial_noise", 4003},
               {"tiny-sd15/ref/unet.safetensors", "sample", 1001},
               {"tiny-sd15/ref/vae.safetensors", "decode_latent", 2001}};
  for (const auto& c : cases) {
    at::Tensor ref = ripen::SafeTensors::open((oracle / c.file).string()).tensor(c.key);
    EXPECT_TRUE(at::equal(randn_cpu(c.seed, ref.sizes()), ref)) << c.file;
  }
}

TEST(Noise, BatchImageIUsesSeedPlusI) {
  for (auto source : {NoiseSource::Cpu, NoiseSource::Philox}) {
    at::Tensor batch = initial_noise(source, 77, 3, {4, 6, 5}, at::TensorOptions().dtype(at::kFloat));
    ASSERT_EQ(batch.sizes(), (std::vector<int64_t>{3, 4, 6, 5}));
    for (int i = 0; i < 3; ++i) {
      at::Tensor alone = initial_noise(source, 77 + i, 1, {4, 6, 5}, at::TensorOptions().dtype(at::kFloat))[0];
      EXPECT_TRUE(at::equal(batch[i], alone)) << to_string(source) << " image " << i;
    }
    EXPECT_TRUE(at::equal(batch, initial_noise(source, 77, 3, {4, 6, 5}, at::TensorOptions().dtype(at::kFloat))));
    EXPECT_FALSE(at::equal(batch[0], batch[1]));
  }
  at::Tensor as_double = initial_noise(NoiseSource::Cpu, 5, 1, {8}, at::TensorOptions().dtype(at::kDouble));
  EXPECT_EQ(as_double.scalar_type(), at::kDouble);
  EXPECT_TRUE(at::equal(as_double[0].to(at::kFloat), randn_cpu(5, {8})));  // drawn in float32, then converted
}

TEST(Noise, PhiloxKnownAnswers) {
  // Random123's known-answer vectors for Philox4x32-10 (kat_vectors).
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}), (PhiloxCounter{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (PhiloxCounter{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (PhiloxCounter{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Noise, PhiloxMatchesAutomatic1111) {
  // The sample printed in the docstring of A1111's modules/rng_philox.py (Generator(seed=0).randn((3, 4))),
  // which is also what torch.randn(3, 4, device="cuda") gives after torch.manual_seed(0). The printed values are
  // 1–2 float32 ulps off what the file's own numpy code computes (they look like CUDA's output), hence 5e-7.
  at::Tensor doc = at::tensor({-0.92466259, -0.42534415, -2.6438457, 0.14518388, -0.12086647, -0.57972564,
                               -0.62285122, -0.32838709, -1.07454231, -0.36314407, -1.67105067, 2.26550497},
                              at::kDouble)
                       .reshape({3, 4});
  EXPECT_TRUE(ripen::test::close_to(randn_philox(0, {3, 4}).to(at::kDouble), doc, 0, 5e-7));
  // Bit-exact against a numpy transcription of the same file (data/philox.safetensors), including a second
  // call (offset 1) and a seed above 2^32.
  auto st = ripen::SafeTensors::open(kData + "/philox.safetensors");
  std::regex re(R"(seed(\d+)_off(\d+)_([0-9x]+))");
  for (const auto& key : st.keys()) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(key, m, re)) << key;
    at::Tensor mine = randn_philox(std::stoull(m[1]), parse_shape(m[3]), uint32_t(std::stoul(m[2])));
    EXPECT_TRUE(at::equal(mine, st.tensor(key))) << key;
  }
}

TEST(Noise, SourcesAndReplay) {
  EXPECT_EQ(noise_source_from_string("philox"), NoiseSource::Philox);
  EXPECT_EQ(noise_source_from_string("cpu"), NoiseSource::Cpu);
  EXPECT_THROW(noise_source_from_string("gpu"), ripen::Error);
  auto replay = replay_noise_sampler(at::arange(6, at::kDouble).reshape({3, 2}), at::TensorOptions().dtype(at::kFloat));
  EXPECT_TRUE(at::equal(replay(1, 0.5), at::tensor({0.f, 1.f})));
  EXPECT_TRUE(at::equal(replay(1, 0.5), at::tensor({2.f, 3.f})));
  replay(1, 0.5);
  EXPECT_THROW(replay(1, 0.5), ripen::Error);
}
