#include "common/test_common.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

using namespace ripen;

TEST(SafeTensors, RoundTripAllDtypes) {
  auto dir = test::temp_dir("st");
  std::map<std::string, at::Tensor> t = {
      {"f32", at::randn({3, 4})},
      {"f16", at::randn({5}).to(at::kHalf)},
      {"bf16", at::randn({2, 2}).to(at::kBFloat16)},
      {"f64", at::randn({1, 2, 3}, at::kDouble)},
      {"i64", at::arange(10, at::kLong)},
      {"i32", at::arange(4, at::kInt)},
      {"i16", at::arange(4, at::kShort)},
      {"i8", at::arange(4, at::kChar)},
      {"u8", at::arange(4, at::kByte)},
      {"bool", at::ones({3}, at::kBool)},
      {"empty", at::zeros({0, 4})},
  };
  auto path = (dir / "a.safetensors").string();
  save_safetensors(path, t, {{"format", "pt"}});
  auto st = SafeTensors::open(path);
  EXPECT_EQ(st.metadata().at("format"), "pt");
  for (const auto& [k, v] : t) {
    auto got = st.tensor(k);
    EXPECT_EQ(got.scalar_type(), v.scalar_type()) << k;
    EXPECT_TRUE(at::equal(got, v)) << k;
  }
}

TEST(SafeTensors, OracleFileLoads) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto st = SafeTensors::open((oracle / "tiny-sd15/unet/diffusion_pytorch_model.safetensors").string());
  EXPECT_TRUE(st.contains("conv_in.weight"));
  EXPECT_EQ(st.tensor("conv_in.weight").size(0), 32);
}
