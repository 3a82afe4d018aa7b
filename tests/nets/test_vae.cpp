// AutoencoderKL against the oracle (diffusers v0.30.3, fp32 CPU): decode, encode mean/logvar, tiny-sd15 and tiny-sdxl.
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include "common/test_common.h"
#include "nets/autoencoder_kl.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

namespace fs = std::filesystem;
using namespace ripen;

namespace {

AutoencoderKL load_vae(const fs::path& model_dir, VaeConfig* cfg_out = nullptr) {
  VaeConfig cfg = VaeConfig::from_file((model_dir / "vae/config.json").string());
  auto st = SafeTensors::open((model_dir / "vae/diffusion_pytorch_model.safetensors").string());
  // On RIPEN_TEST_DEVICE (cpu unless set; tests/gpu/run-on-gpu.sh sets cuda).
  ParamStore ps =
      ParamStore::from_tensors(st.load_all(), st.path(), at::TensorOptions().dtype(at::kFloat).device(test::device()));
  AutoencoderKL vae = AutoencoderKL::bind(ps, cfg);
  ps.finish();
  if (cfg_out) *cfg_out = cfg;
  return vae;
}

at::Tensor u8_hwc_to_nchw(const at::Tensor& u8) {
  return (u8.to(at::kFloat).div(255.0).mul(2.0).sub(1.0)).permute({2, 0, 1}).unsqueeze(0).contiguous();
}

}  // namespace

TEST(Vae, ConfigFromOracle) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  VaeConfig c = VaeConfig::from_file((oracle / "tiny-sd15/vae/config.json").string());
  EXPECT_EQ(c.block_out_channels, (std::vector<int64_t>{32, 32, 32, 64}));
  EXPECT_EQ(c.layers_per_block, 1);
  EXPECT_EQ(c.latent_channels, 4);
  EXPECT_DOUBLE_EQ(c.scaling_factor, 0.18215);
  EXPECT_FALSE(c.shift_factor.has_value());
  EXPECT_TRUE(c.force_upcast);
  EXPECT_EQ(c.downscale(), 8);
  VaeConfig x = VaeConfig::from_file((oracle / "tiny-sdxl/vae/config.json").string());
  EXPECT_DOUBLE_EQ(x.scaling_factor, 0.13025);
}

TEST(Vae, ConfigErrorsNameTheField) {
  auto j = nlohmann::json::parse(R"({"block_out_channels": [128, 250], "norm_num_groups": 32})");
  try {
    VaeConfig::from_json(j, "x/config.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("250"), std::string::npos) << e.what();
  }
  auto k = nlohmann::json::parse(R"({"block_out_channels": [128, 256], "down_block_types": ["DownEncoderBlock2D"]})");
  EXPECT_THROW(VaeConfig::from_json(k, "y"), Error);
  EXPECT_THROW(VaeConfig::from_json(nlohmann::json::parse(R"({"layers_per_block": 2})"), "z"), Error);
  auto d = nlohmann::json::parse(R"({"block_out_channels": [64, 64], "shift_factor": 0.1159, "scaling_factor": 0.3611,
                                    "use_quant_conv": false, "use_post_quant_conv": false})");
  VaeConfig c = VaeConfig::from_json(d);
  EXPECT_DOUBLE_EQ(*c.shift_factor, 0.1159);
  EXPECT_FALSE(c.use_quant_conv);
  EXPECT_TRUE(c.mid_block_add_attention);
}

TEST(Vae, WrongShapeIsReportedWithKeyAndBothShapes) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  VaeConfig cfg = VaeConfig::from_file((oracle / "tiny-sd15/vae/config.json").string());
  cfg.block_out_channels = {32, 32, 32, 32};  // the file's last level has 64 channels
  auto st = SafeTensors::open((oracle / "tiny-sd15/vae/diffusion_pytorch_model.safetensors").string());
  ParamStore ps = ParamStore::from_tensors(st.load_all(), st.path());
  AutoencoderKL::bind(ps, cfg);
  try {
    ps.finish();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("key 'encoder.down_blocks.3.resnets.0.conv1.weight': expected [32, 32, 3, 3], file has [64, 32, 3, 3]"),
              std::string::npos)
        << msg;
  }
}

TEST(Vae, DecodeMatchesOracleSd15) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  VaeConfig cfg;
  AutoencoderKL vae = load_vae(oracle / "tiny-sd15", &cfg);
  auto ref = SafeTensors::open((oracle / "tiny-sd15/ref/vae.safetensors").string());
  at::Tensor latent = ref.tensor("decode_latent");
  EXPECT_TRUE(ripen::test::close_to(vae.from_latent(latent), ref.tensor("decode_input"), 1e-6, 1e-7));
  at::Tensor out = vae.decode(ref.tensor("decode_input").to(test::device())).cpu();
  EXPECT_TRUE(ripen::test::close_to(out, ref.tensor("decode_output")));
}

TEST(Vae, EncodeMatchesOracleSd15) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  AutoencoderKL vae = load_vae(oracle / "tiny-sd15");
  auto ref = SafeTensors::open((oracle / "tiny-sd15/ref/vae.safetensors").string());
  at::Tensor image = u8_hwc_to_nchw(ref.tensor("encode_image_u8_hwc"));
  VaeMoments m = vae.encode(image.to(test::device()));
  EXPECT_TRUE(ripen::test::close_to(m.mean.cpu(), ref.tensor("encode_mean")));
  EXPECT_TRUE(ripen::test::close_to(m.logvar.cpu(), ref.tensor("encode_logvar")));
  EXPECT_TRUE(ripen::test::close_to(vae.to_latent(m.mean).cpu(), ref.tensor("encode_mean_scaled")));
}

TEST(Vae, DecodeMatchesOracleSdxl) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  AutoencoderKL vae = load_vae(oracle / "tiny-sdxl");
  auto ref = SafeTensors::open((oracle / "tiny-sdxl/ref/vae.safetensors").string());
  EXPECT_TRUE(ripen::test::close_to(vae.from_latent(ref.tensor("decode_latent")), ref.tensor("decode_input"), 1e-6, 1e-7));
  EXPECT_TRUE(ripen::test::close_to(vae.decode(ref.tensor("decode_input").to(test::device())).cpu(), ref.tensor("decode_output")));
}

TEST(Vae, ChannelsLastAndBf16StayClose) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  AutoencoderKL vae = load_vae(oracle / "tiny-sd15");
  auto ref = SafeTensors::open((oracle / "tiny-sd15/ref/vae.safetensors").string());
  at::Tensor want = ref.tensor("decode_output");
  vae.set_channels_last(true);
  EXPECT_TRUE(ripen::test::close_to(vae.decode(ref.tensor("decode_input")), want));
  vae.to(at::TensorOptions().dtype(at::kBFloat16));
  at::Tensor bf = vae.decode(ref.tensor("decode_input"));
  EXPECT_EQ(bf.scalar_type(), at::kFloat);
  // bf16 keeps 8 bits of mantissa; the bound is 5% of the output range (measured value printed).
  const double rel = (bf - want).abs().max().item<double>() / want.abs().max().item<double>();
  std::printf("bf16 decode: max|diff| / max|ref| = %.4g\n", rel);
  EXPECT_LT(rel, 0.05);
  EXPECT_EQ(AutoencoderKL::safe_dtype(vae.config(), at::kHalf, at::kCPU), at::kBFloat16);
}

