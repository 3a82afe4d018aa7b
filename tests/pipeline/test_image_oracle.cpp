// img2img, 4-channel and 9-channel inpainting through the pipeline against diffusers v0.30.3 (wave-2 oracle,
// img2img/ and inpaint/): the fixtures' pictures, masks, start noise and VAE sample noise, final latents within
// 1e-4 relative; the pixels outside the mask bit-identical to the source; img2img from stored latents.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "common/test_common.h"
#include "pipeline/pipeline.h"
#include "pipeline/promote.h"
#include "pipeline/metrics.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

using namespace ripen;
namespace fs = std::filesystem;

namespace {
RgbaPixels rgba_of(const at::Tensor& u8) {  // [H, W, 3] RGB or [H, W] grey → RGBA
  at::Tensor t = u8.dim() == 2 ? u8.unsqueeze(2).repeat({1, 1, 3}) : u8;
  t = at::cat({t, at::full({t.size(0), t.size(1), 1}, 255, at::kByte)}, 2).contiguous();
  RgbaPixels p;
  p.height = int(t.size(0)), p.width = int(t.size(1));
  p.rgba.assign(t.data_ptr<uint8_t>(), t.data_ptr<uint8_t>() + t.numel());
  return p;
}

struct Fixture {
  fs::path dir;
  std::map<std::string, RgbaPixels> files;
  std::string add(const std::string& name, const at::Tensor& u8) {
    const fs::path p = dir / name;
    std::ofstream(p) << "placeholder";  // the reader below supplies the pixels
    files[p.string()] = rgba_of(u8);
    return p.string();
  }
  ImageReader reader() const {
    return [this](const std::string& path) {
      auto it = files.find(path);
      if (it == files.end()) throw Error("not a picture");
      return it->second;
    };
  }
};

GenerationRequest oracle_request(const fs::path& oracle, int steps) {
  GenerationRequest r;
  r.model = (oracle / "tiny-sd15").string();
  r.prompt = "a red apple on a white table";
  r.negative_prompt = "";
  r.width = r.height = 256;
  r.preset = Preset::Custom;
  r.sampler = "euler";
  r.schedule = "discrete";
  r.steps = steps;
  r.cfg = 5.0;
  return r;
}

at::Tensor ref_tensor(SafeTensors& f, const char* key) { return f.tensor(key, at::TensorOptions().dtype(at::kFloat)); }
}  // namespace

TEST(ImageOracle, Img2ImgMatchesDiffusers) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto ref = SafeTensors::open((oracle / "wave2/img2img/img2img_euler_s0.6.safetensors").string());
  Fixture fx{test::temp_dir("img2img-oracle")};
  GenerationRequest r = oracle_request(oracle, 10);
  r.image = ImageInput{};
  r.image->image = fx.add("init.png", ref.tensor("init_image_u8_hwc"));
  r.image->strength = 0.6;
  r.image->strength_rule = StrengthRule::Diffusers;
  PipelineOptions po;
  po.parity = Parity::Diffusers;
  po.read_image = fx.reader();
  Pipeline p(po);
  GenerateInputs in;
  in.initial_noise = ref_tensor(ref, "noise");
  in.encode_noise = {ref_tensor(ref, "vae_sample_noise")};
  GenerationResult res = p.generate(r, {}, Pipeline::never_cancel(), in);
  ASSERT_TRUE(res.ok()) << res.error;
  EXPECT_EQ(res.record.steps_used, 6);  // ⌊10·0.6⌋ steps of the 10-step schedule
  EXPECT_NEAR(res.sigmas.front(), ref_tensor(ref, "start_sigma").item<double>(), 1e-5);
  EXPECT_TRUE(test::close_to(res.latents, ref_tensor(ref, "final_latents"), 1e-4, 0));

  // The same from the stored (already encoded, scaled) latents: no encode, the same trajectory.
  const fs::path lat = fx.dir / "init_latents.safetensors";
  save_safetensors(lat.string(), {{"latents", ref_tensor(ref, "init_latents")}});
  r.image->image = lat.string();
  GenerateInputs in2;
  in2.initial_noise = in.initial_noise;
  GenerationResult res2 = p.generate(r, {}, Pipeline::never_cancel(), in2);
  ASSERT_TRUE(res2.ok()) << res2.error;
  EXPECT_TRUE(test::close_to(res2.latents, ref_tensor(ref, "final_latents"), 1e-4, 0));
}

namespace {
GenerationResult run_inpaint(const fs::path& oracle, const char* fixture, bool nine, SafeTensors& ref, Fixture& fx,
                             StrengthRule rule = StrengthRule::Diffusers) {
  auto inputs = SafeTensors::open((oracle / "wave2/inpaint/inputs.safetensors").string());
  GenerationRequest r = oracle_request(oracle, 8);
  if (nine) r.unet = (oracle / "wave2/tiny-sd15-inpaint/unet").string();
  r.image = ImageInput{};
  r.image->image = fx.add("init.png", inputs.tensor("init_image_u8_hwc"));
  r.image->mask = fx.add("mask.png", inputs.tensor("mask_u8"));
  r.image->mask_blur = 0;
  r.image->strength = 1.0;
  r.image->strength_rule = rule;
  PipelineOptions po;
  po.parity = Parity::Diffusers;
  po.read_image = fx.reader();
  Pipeline p(po);
  GenerateInputs in;
  in.initial_noise = ref_tensor(ref, "noise");
  if (!nine) in.encode_noise.push_back(ref_tensor(ref, "vae_sample_noise_image"));
  in.encode_noise.push_back(ref_tensor(ref, "vae_sample_noise_masked_image"));
  (void)fixture;
  return p.generate(r, {}, Pipeline::never_cancel(), in);
}

// Pixels where the mask is 0 are the source's bytes.
void expect_unmasked_identical(const Image& out, const at::Tensor& src_u8, const at::Tensor& mask_u8) {
  ASSERT_EQ(out.width, src_u8.size(1));
  ASSERT_EQ(out.height, src_u8.size(0));
  const at::Tensor got = at::from_blob(const_cast<uint8_t*>(out.rgb.data()), {out.height, out.width, 3}, at::kByte);
  const at::Tensor keep = (mask_u8 == 0).unsqueeze(2).expand_as(got);
  EXPECT_TRUE(got.masked_select(keep).equal(src_u8.masked_select(keep)));
  EXPECT_GT(keep.sum().item<int64_t>(), 0);
  EXPECT_FALSE(got.equal(src_u8));  // the masked part was repainted
}
}  // namespace

TEST(ImageOracle, Inpaint4ChannelMatchesDiffusers) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto ref = SafeTensors::open((oracle / "wave2/inpaint/inpaint4_euler.safetensors").string());
  auto inputs = SafeTensors::open((oracle / "wave2/inpaint/inputs.safetensors").string());
  Fixture fx{test::temp_dir("inpaint4-oracle")};
  GenerationResult res = run_inpaint(oracle, "inpaint4", false, ref, fx);
  ASSERT_TRUE(res.ok()) << res.error;
  EXPECT_EQ(res.record.steps_used, 8);
  EXPECT_TRUE(test::close_to(res.latents, ref_tensor(ref, "final_latents"), 1e-4, 0));
  expect_unmasked_identical(res.images.at(0), inputs.tensor("init_image_u8_hwc"), inputs.tensor("mask_u8"));
}

TEST(ImageOracle, Inpaint9ChannelMatchesDiffusers) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto ref = SafeTensors::open((oracle / "wave2/inpaint/inpaint9_euler.safetensors").string());
  auto inputs = SafeTensors::open((oracle / "wave2/inpaint/inputs.safetensors").string());
  Fixture fx{test::temp_dir("inpaint9-oracle")};
  GenerationResult res = run_inpaint(oracle, "inpaint9", true, ref, fx);
  ASSERT_TRUE(res.ok()) << res.error;
  // fp16-stored weights computed in fp32: the 9-channel run lands at about 1.5e-5 of max|ref|.
  EXPECT_TRUE(test::close_to(res.latents, ref_tensor(ref, "final_latents"), 1e-4, 0));
  expect_unmasked_identical(res.images.at(0), inputs.tensor("init_image_u8_hwc"), inputs.tensor("mask_u8"));
}

TEST(ImageOracle, A1111HandlingKeepsUnmaskedPixelsAndLatents) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto ref = SafeTensors::open((oracle / "wave2/inpaint/inpaint4_euler.safetensors").string());
  auto inputs = SafeTensors::open((oracle / "wave2/inpaint/inputs.safetensors").string());
  Fixture fx{test::temp_dir("inpaint4-a1111")};
  GenerationResult res = run_inpaint(oracle, "inpaint4", false, ref, fx, StrengthRule::A1111);
  ASSERT_TRUE(res.ok()) << res.error;
  expect_unmasked_identical(res.images.at(0), inputs.tensor("init_image_u8_hwc"), inputs.tensor("mask_u8"));
  // Outside the (rounded, cell-averaged) latent mask the final latent is the encoded picture (ours: to float
  // rounding of diffusers' encode).
  at::Tensor m = at::avg_pool2d(inputs.tensor("mask_u8").to(at::kFloat).div(255).view({1, 1, 256, 256}), {8, 8}, {8, 8}) >= 0.5;
  at::Tensor keep = m.logical_not().expand_as(res.latents);
  EXPECT_TRUE(test::close_to(res.latents.masked_select(keep), ref_tensor(ref, "image_latents").masked_select(keep),
                             1e-5, 0));
}

TEST(ImageOracle, NineChannelUNetWithoutMaskIsAClearError) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto inputs = SafeTensors::open((oracle / "wave2/inpaint/inputs.safetensors").string());
  Fixture fx{test::temp_dir("inpaint9-nomask")};
  GenerationRequest r = oracle_request(oracle, 4);
  r.unet = (oracle / "wave2/tiny-sd15-inpaint/unet").string();
  PipelineOptions po;
  po.read_image = fx.reader();
  Pipeline p(po);
  GenerationResult res = p.generate(r);
  EXPECT_FALSE(res.ok());
  EXPECT_NE(res.error.find("9 input channels"), std::string::npos) << res.error;
  r.image = ImageInput{};
  r.image->image = fx.add("init.png", inputs.tensor("init_image_u8_hwc"));
  res = p.generate(r);
  EXPECT_FALSE(res.ok());
  EXPECT_NE(res.error.find("needs a mask"), std::string::npos) << res.error;
}

// A fast-mode (adaptive) inpaint draft promoted to quality with the same seed keeps its composition: the
// promotion continues from the draft's composition latent, the blend keeps the source outside the mask.
TEST(ImagePromote, FastInpaintDraftPromotedKeepsComposition) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto inputs = SafeTensors::open((oracle / "wave2/inpaint/inputs.safetensors").string());
  Fixture fx{test::temp_dir("inpaint-promote")};
  GenerationRequest r;
  r.model = (oracle / "tiny-sd15").string();
  r.prompt = "a red apple on a white table";
  r.width = r.height = 256;
  r.seed = 7;
  r.preset = Preset::Fast;
  r.image = ImageInput{};
  r.image->image = fx.add("init.png", inputs.tensor("init_image_u8_hwc"));
  r.image->mask = fx.add("mask.png", inputs.tensor("mask_u8"));
  r.image->mask_blur = 0;
  r.image->strength = 1.0;
  PipelineOptions po;
  po.read_image = fx.reader();
  Pipeline p(po);
  GenerationResult draft = p.generate(r);
  ASSERT_TRUE(draft.ok()) << draft.error;
  ASSERT_TRUE(draft.composition_latents.defined());
  for (PromoteMode mode : {PromoteMode::Continue, PromoteMode::Rerender}) {
    GenerationResult q = promote(p, promote_source(draft), mode);
    ASSERT_TRUE(q.ok()) << q.error;
    EXPECT_EQ(q.request.preset, Preset::Quality);
    ASSERT_TRUE(q.request.image.has_value());
    expect_unmasked_identical(q.images.at(0), inputs.tensor("init_image_u8_hwc"), inputs.tensor("mask_u8"));
    const double s = ssim(q.images.at(0), draft.images.at(0));
    std::cout << "promote " << to_string(mode) << ": draft " << draft.record.steps_used << " steps, quality "
              << q.record.steps_used << " steps, SSIM to the draft " << s << "\n";
    EXPECT_GT(s, 0.6);
  }
}
