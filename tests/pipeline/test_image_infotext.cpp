// img2img and inpainting in AUTOMATIC1111's infotext: "Denoising strength" among the main fields, then (after
// RNG) Mask blur, Inpaint area, Masked area padding, Masked content as StableDiffusionProcessingImg2Img.init adds
// them, and Ripen's strength rule; read back into request.image.
#include <gtest/gtest.h>

#include "imageio/a1111_infotext.h"
#include "pipeline/presets.h"

using namespace ripen;
using namespace ripen::imageio;

namespace {
GenerationRequest inpaint() {
  GenerationRequest r;
  r.prompt = "a cat";
  r.preset = Preset::Custom;
  r.steps = 20;
  r.sampler = "euler";
  r.schedule = "karras";
  r.cfg = 7;
  r.seed = 7;
  r.width = r.height = 512;
  r.image = ImageInput{};
  r.image->image = "src.png";
  r.image->strength = 0.75;
  r.image->mask = "mask.png";
  r.image->mask_blur = 4;
  r.image->inpaint_area = InpaintArea::Masked;
  r.image->masked_padding = 32;
  r.image->masked_content = MaskedContent::Fill;
  return r;
}
}  // namespace

TEST(ImageInfotext, WrittenLikeA1111Img2Img) {
  GenerationRecord rec;
  rec.model_hash = "6ce0161689";
  rec.model_name = "v1-5";
  GenerationRequest r = inpaint();
  EXPECT_EQ(a1111_parameters(r, plan_for(r), rec),
            "a cat\nSteps: 20, Sampler: Euler, Schedule type: Karras, CFG scale: 7, Seed: 7, Size: 512x512, "
            "Model hash: 6ce0161689, Model: v1-5, Denoising strength: 0.75, RNG: CPU, Mask blur: 4, "
            "Inpaint area: Only masked, Masked area padding: 32, Masked content: fill, Ripen strength rule: a1111");
  GenerationRequest plain = r;
  plain.image->mask.clear();
  plain.image->strength = 0.5;
  EXPECT_EQ(a1111_parameters(plain, plan_for(plain), rec),
            "a cat\nSteps: 20, Sampler: Euler, Schedule type: Karras, CFG scale: 7, Seed: 7, Size: 512x512, "
            "Model hash: 6ce0161689, Model: v1-5, Denoising strength: 0.5, RNG: CPU, Ripen strength rule: a1111");
}

TEST(ImageInfotext, ReadBack) {
  GenerationRequest r = inpaint();
  auto back = parse_a1111_parameters(a1111_parameters(r, plan_for(r), {}));
  ASSERT_TRUE(back && back->request.image);
  const ImageInput& in = *back->request.image;
  EXPECT_EQ(in.strength, 0.75);
  EXPECT_EQ(in.mask_blur, 4);
  EXPECT_EQ(in.inpaint_area, InpaintArea::Masked);
  EXPECT_EQ(in.masked_padding, 32);
  EXPECT_EQ(in.masked_content, MaskedContent::Fill);
  EXPECT_TRUE(in.image.empty());  // the picture is not in the text
  // A1111's own img2img text (no Ripen keys), and a hires fix's strength that is not img2img.
  auto a = parse_a1111_parameters(
      "x\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Denoising strength: 0.3, "
      "Mask blur: 8, Masked content: latent noise");
  ASSERT_TRUE(a && a->request.image);
  EXPECT_EQ(a->request.image->strength, 0.3);
  EXPECT_EQ(a->request.image->mask_blur, 8);
  EXPECT_EQ(a->request.image->masked_content, MaskedContent::LatentNoise);
  EXPECT_EQ(a->request.image->inpaint_area, InpaintArea::Full);
  auto h = parse_a1111_parameters(
      "x\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Denoising strength: 0.3, Hires upscale: 2");
  ASSERT_TRUE(h);
  EXPECT_FALSE(h->request.image);
  EXPECT_TRUE(h->request.hires);
}
