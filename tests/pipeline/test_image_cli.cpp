// The check interface of issue 18 through ripen-cli: `generate … --init-image F --strength S [--mask M --mask-blur 0]
// --parity diffusers --init-latents F --encode-noise F --save-latents F`, against the wave-2 fixtures, and bad input.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "common/test_common.h"
#include "imageio/image_file.h"
#include "tensors/safetensors.h"

using namespace ripen;
namespace fs = std::filesystem;

namespace {
void write_png(const fs::path& p, const at::Tensor& u8) {  // [H, W, 3] or [H, W]
  at::Tensor t = u8.contiguous();
  imageio::Pixels8 px;
  px.height = int(t.size(0)), px.width = int(t.size(1)), px.channels = 3;
  if (t.dim() == 2) t = t.unsqueeze(2).repeat({1, 1, 3}).contiguous();
  px.data.assign(t.data_ptr<uint8_t>(), t.data_ptr<uint8_t>() + t.numel());
  imageio::write_png8(p, px);
}

std::string base_command(const fs::path& oracle, int steps) {
  return std::string(RIPEN_CLI_PATH) + " generate --model " + (oracle / "tiny-sd15").string() +
         " --prompt 'a red apple on a white table' --negative '' --size 256x256 --sampler euler --schedule discrete"
         " --steps " + std::to_string(steps) + " --cfg 5 --parity diffusers --quiet";
}

std::string run(const std::string& cmd, int* rc) {
  const std::string full = cmd + " > /tmp/ripen-image-cli.txt 2>&1";
  *rc = std::system(full.c_str());
  std::ifstream f("/tmp/ripen-image-cli.txt");
  return std::string(std::istreambuf_iterator<char>(f), {});
}
}  // namespace

TEST(ImageCli, Img2ImgAndInpaintReproduceTheFixtures) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const fs::path dir = test::temp_dir("image-cli");
  auto i2i = SafeTensors::open((oracle / "wave2/img2img/img2img_euler_s0.6.safetensors").string());
  auto inputs = SafeTensors::open((oracle / "wave2/inpaint/inputs.safetensors").string());
  write_png(dir / "init.png", i2i.tensor("init_image_u8_hwc"));
  write_png(dir / "mask.png", inputs.tensor("mask_u8"));
  auto f32 = [](SafeTensors& f, const char* k) { return f.tensor(k, at::TensorOptions().dtype(at::kFloat)).clone(); };
  int rc = 0;

  save_safetensors((dir / "noise.safetensors").string(), {{"latents", f32(i2i, "noise")}});
  save_safetensors((dir / "enc.safetensors").string(), {{"encode_noise.0", f32(i2i, "vae_sample_noise")}});
  std::string out = run(base_command(oracle, 10) + " --init-image " + (dir / "init.png").string() + " --strength 0.6" +
                            " --init-latents " + (dir / "noise.safetensors").string() + " --encode-noise " +
                            (dir / "enc.safetensors").string() + " --save-latents " + (dir / "i2i.safetensors").string() +
                            " --out " + (dir / "i2i.png").string(),
                        &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_TRUE(test::close_to(SafeTensors::open((dir / "i2i.safetensors").string()).tensor("latents"),
                             f32(i2i, "final_latents"), 1e-4, 0));

  for (const bool nine : {false, true}) {
    auto ref = SafeTensors::open((oracle / (nine ? "wave2/inpaint/inpaint9_euler.safetensors"
                                                 : "wave2/inpaint/inpaint4_euler.safetensors")).string());
    std::map<std::string, at::Tensor> enc;
    if (!nine) enc["encode_noise.0"] = f32(ref, "vae_sample_noise_image");
    enc["encode_noise." + std::to_string(enc.size())] = f32(ref, "vae_sample_noise_masked_image");
    save_safetensors((dir / "noise.safetensors").string(), {{"latents", f32(ref, "noise")}});
    save_safetensors((dir / "enc.safetensors").string(), enc);
    out = run(base_command(oracle, 8) + (nine ? " --unet " + (oracle / "wave2/tiny-sd15-inpaint/unet").string() : "") +
                  " --init-image " + (dir / "init.png").string() + " --strength 1 --mask " + (dir / "mask.png").string() +
                  " --mask-blur 0 --init-latents " + (dir / "noise.safetensors").string() + " --encode-noise " +
                  (dir / "enc.safetensors").string() + " --save-latents " + (dir / "in.safetensors").string() +
                  " --out " + (dir / "in.png").string(),
              &rc);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_TRUE(test::close_to(SafeTensors::open((dir / "in.safetensors").string()).tensor("latents"),
                               f32(ref, "final_latents"), 1e-4, 0))
        << (nine ? "9-channel" : "4-channel");
    imageio::Pixels8 px = imageio::read_rgba8(dir / "in.png");
    at::Tensor got = at::from_blob(px.data.data(), {px.height, px.width, px.channels}, at::kByte).slice(2, 0, 3);
    at::Tensor keep = (inputs.tensor("mask_u8") == 0).unsqueeze(2).expand({256, 256, 3});
    EXPECT_TRUE(got.masked_select(keep).equal(i2i.tensor("init_image_u8_hwc").masked_select(keep)));
  }
}

TEST(ImageCli, BadInputSaysWhatAndWhere) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const fs::path dir = test::temp_dir("image-cli-bad");
  auto inputs = SafeTensors::open((oracle / "wave2/inpaint/inputs.safetensors").string());
  write_png(dir / "init.png", inputs.tensor("init_image_u8_hwc"));
  write_png(dir / "black.png", at::zeros({256, 256}, at::kByte));
  std::ofstream(dir / "broken.png") << "not a picture";
  const std::string base = base_command(oracle, 4) + " --out " + (dir / "x.png").string();
  int rc = 0;
  std::string out = run(base + " --init-image " + (dir / "broken.png").string(), &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("broken.png"), std::string::npos) << out;
  out = run(base + " --init-image " + (dir / "init.png").string() + " --strength 1.2", &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("--strength must be in (0, 1]"), std::string::npos) << out;
  out = run(base + " --init-image " + (dir / "init.png").string() + " --mask " + (dir / "black.png").string(), &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("black.png selects nothing"), std::string::npos) << out;
  out = run(base + " --unet " + (oracle / "wave2/tiny-sd15-inpaint/unet").string() + " --init-image " +
                (dir / "init.png").string(),
            &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("needs a mask"), std::string::npos) << out;
  out = run(base + " --mask " + (dir / "black.png").string(), &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("--mask applies with --init-image"), std::string::npos) << out;
}
