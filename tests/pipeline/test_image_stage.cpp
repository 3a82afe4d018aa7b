// The image stage's parts without a model: strength rules, mask operations, canvas loading and its errors,
// the request's JSON round trip.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "common/test_common.h"
#include "pipeline/mask.h"
#include "pipeline/request.h"
#include "pipeline/stage_image.h"
#include "tensors/error.h"

using namespace ripen;
namespace fs = std::filesystem;

TEST(StrengthRule, A1111AndDiffusersFirstSteps) {
  // A1111: t_enc = ⌊min(s, 0.999)·N⌋ steps + 1 run, from σ[N − t_enc − 1].
  EXPECT_EQ(strength_first_step(StrengthRule::A1111, 0.6, 10), 3);   // t_enc 6: 7 steps
  EXPECT_EQ(strength_first_step(StrengthRule::A1111, 1.0, 8), 0);    // t_enc ⌊7.992⌋ = 7: all 8
  EXPECT_EQ(strength_first_step(StrengthRule::A1111, 0.75, 20), 4);  // t_enc 15: 16 steps
  EXPECT_EQ(strength_first_step(StrengthRule::A1111, 0.05, 10), 9);  // t_enc 0: one step
  // diffusers: n = min(⌊N·s⌋, N), from σ[N − n].
  EXPECT_EQ(strength_first_step(StrengthRule::Diffusers, 0.6, 10), 4);
  EXPECT_EQ(strength_first_step(StrengthRule::Diffusers, 0.55, 10), 5);  // int() truncates: 5 steps
  EXPECT_EQ(strength_first_step(StrengthRule::Diffusers, 1.0, 8), 0);
  EXPECT_THROW(strength_first_step(StrengthRule::Diffusers, 0.05, 10), Error);  // no step at all
  EXPECT_THROW(strength_first_step(StrengthRule::A1111, 0.0, 10), Error);
  EXPECT_THROW(strength_first_step(StrengthRule::A1111, 1.5, 10), Error);
}

TEST(MaskOps, BinarizeNearestAndBlur) {
  at::Tensor m = at::tensor({127.f, 128.f, 0.f, 255.f}).div(255).view({1, 1, 2, 2});
  EXPECT_TRUE(binarize(m).equal(at::tensor({0.f, 1.f, 0.f, 1.f}).view({1, 1, 2, 2})));
  // The blur of a constant is the constant (reflected borders); an impulse spreads over 2⌊2.5σ+0.5⌋+1 pixels.
  at::Tensor c = at::full({1, 1, 20, 20}, 0.5f);
  EXPECT_TRUE(test::close_to(gaussian_blur(c, 3.0), c, 1e-6, 0));
  at::Tensor imp = at::zeros({1, 1, 41, 41});
  imp[0][0][20][20] = 1;
  at::Tensor b = gaussian_blur(imp, 2.0);  // kernel 11: ±5
  EXPECT_NEAR(b.sum().item<double>(), 1.0, 1e-5);
  EXPECT_GT(b[0][0][20][25].item<float>(), 0);
  EXPECT_EQ(b[0][0][20][26].item<float>(), 0);
  EXPECT_TRUE(gaussian_blur(imp, 0).equal(imp));
  // Latent mask under A1111's handling: the cell average, rounded.
  at::Tensor half = at::zeros({1, 1, 16, 16});
  half.slice(3, 0, 12).fill_(1);  // cell 1 is half covered (columns 8..11 of 8..15): rounds to 1
  EXPECT_TRUE(latent_mask_rounded(half, 8).equal(at::ones({1, 1, 2, 2})));
}

TEST(MaskOps, CropRegionFollowsA1111) {
  at::Tensor m = at::zeros({1, 1, 256, 256});
  m.slice(2, 100, 120).slice(3, 50, 90).fill_(1);  // box x 50..90, y 100..120
  EXPECT_EQ(mask_box(m), (Box{50, 100, 90, 120}));
  // padding 10: x 40..100, y 90..130 (60x40); a square processing size grows y by 20: 80..140.
  EXPECT_EQ(crop_region(m, 10, 512, 512), (Box{40, 80, 100, 140}));
  // Against the top edge the grown box slides down inside the picture.
  at::Tensor t = at::zeros({1, 1, 256, 256});
  t.slice(2, 0, 10).slice(3, 0, 100).fill_(1);
  EXPECT_EQ(crop_region(t, 0, 256, 256), (Box{0, 0, 100, 100}));
  EXPECT_TRUE(mask_box(at::zeros({1, 1, 8, 8})).empty());
}

TEST(MaskOps, MaskChannelIsAlphaWhenTransparentElseLuma) {
  RgbaPixels p{2, 1, {255, 255, 255, 255, 0, 0, 0, 255}};  // opaque: luma (white = repaint)
  EXPECT_TRUE(mask_tensor(p).equal(at::tensor({1.f, 0.f}).view({1, 1, 1, 2})));
  RgbaPixels a{2, 1, {0, 0, 0, 0, 0, 0, 0, 255}};  // transparency: alpha (opaque = repaint)
  EXPECT_TRUE(mask_tensor(a).equal(at::tensor({0.f, 1.f}).view({1, 1, 1, 2})));
}

TEST(MaskOps, FillAndCanvasExtension) {
  at::Tensor img = at::zeros({1, 3, 32, 32});
  img.slice(1, 0, 1).fill_(1);  // red
  at::Tensor m = at::zeros({1, 1, 32, 32});
  m.slice(2, 8, 24).slice(3, 8, 24).fill_(1);
  at::Tensor f = fill_masked(img, m);
  EXPECT_TRUE(test::close_to(f, img, 1e-4, 1e-4));  // a uniform picture fills its hole with its colour
  at::Tensor e = extend_canvas(img, 8, 0, 0, 16, false, 1);
  EXPECT_EQ(e.sizes(), (at::IntArrayRef{1, 3, 48, 40}));
  EXPECT_TRUE(e.equal(at::zeros({1, 3, 48, 40}).index_fill_(1, at::tensor({0L}), 1)));
  at::Tensor n = extend_canvas(img, 8, 0, 0, 0, true, 1);
  EXPECT_TRUE(n.slice(3, 8).equal(img));
  EXPECT_FALSE(n.slice(3, 0, 8).equal(e.slice(2, 0, 32).slice(3, 0, 8)));
}

namespace {
struct Files {
  fs::path dir = test::temp_dir("image-stage");
  std::map<std::string, RgbaPixels> pixels;
  std::string add(const std::string& name, RgbaPixels p) {
    const fs::path path = dir / name;
    std::ofstream(path) << "x";
    pixels[path.string()] = std::move(p);
    return path.string();
  }
  ImageReader reader() const {
    return [this](const std::string& path) {
      auto it = pixels.find(path);
      if (it == pixels.end()) throw Error("no decoder for this file");
      return it->second;
    };
  }
};
RgbaPixels solid(int w, int h, uint8_t v) {
  return {w, h, std::vector<uint8_t>(size_t(w) * size_t(h) * 4, v)};
}
}  // namespace

TEST(ImageCanvas, SizesNotesAndErrors) {
  Files f;
  ImageInput in;
  in.image = f.add("pic.png", solid(37, 20, 200));
  ImageCanvas c = load_canvas(in, 0, 0, f.reader(), 0);  // no size: cropped to 32x16
  EXPECT_EQ(c.width, 32);
  EXPECT_EQ(c.height, 16);
  ASSERT_EQ(c.notes.size(), 1u);
  c = load_canvas(in, 64, 64, f.reader(), 0);  // a size: resized
  EXPECT_EQ(c.picture.sizes(), (at::IntArrayRef{1, 3, 64, 64}));
  // A mask of another size is resized, with a note.
  in.mask = f.add("mask.png", solid(74, 40, 255));
  c = load_canvas(in, 0, 0, f.reader(), 0);
  EXPECT_EQ(c.mask.sizes(), (at::IntArrayRef{1, 1, 16, 32}));
  EXPECT_NE(c.notes.back().find("resized"), std::string::npos);
  // Outpainting: margins rounded up to 8, the new area masked.
  in.mask.clear();
  in.outpaint_right = 5;
  c = load_canvas(in, 0, 0, f.reader(), 0);
  EXPECT_EQ(c.width, 40);
  EXPECT_EQ(c.mask.slice(3, 32).min().item<float>(), 1);
  EXPECT_EQ(c.mask.slice(3, 0, 32).max().item<float>(), 0);
  in.outpaint_right = 0;
  // Errors name the file.
  auto message = [&](const ImageInput& bad) {
    try {
      load_canvas(bad, 0, 0, f.reader(), 0);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  ImageInput empty_mask = in;
  empty_mask.mask = f.add("black.png", solid(37, 20, 0));
  empty_mask.mask = f.add("black.png", RgbaPixels{37, 20, [] {
                                                    std::vector<uint8_t> v(37 * 20 * 4, 0);
                                                    for (size_t i = 3; i < v.size(); i += 4) v[i] = 255;
                                                    return v;
                                                  }()});
  EXPECT_NE(message(empty_mask).find("black.png selects nothing"), std::string::npos) << message(empty_mask);
  ImageInput undecodable = in;
  undecodable.image = (f.dir / "garbage.png").string();
  std::ofstream(undecodable.image) << "not a png";
  EXPECT_NE(message(undecodable).find("garbage.png: cannot be decoded"), std::string::npos) << message(undecodable);
  ImageInput missing = in;
  missing.image = (f.dir / "missing.png").string();
  EXPECT_NE(message(missing).find("missing.png: file not found"), std::string::npos);
  ImageInput strong = in;
  strong.strength = 1.5;
  EXPECT_NE(message(strong).find("strength must be in (0, 1]"), std::string::npos);
  strong.strength = 0;
  EXPECT_NE(message(strong).find("strength must be in (0, 1]"), std::string::npos);
}

TEST(ImageInputJson, RoundTrip) {
  GenerationRequest r;
  r.image = ImageInput{};
  r.image->image = "a.png";
  r.image->image_hash = "ab12";
  r.image->strength = 0.4;
  r.image->strength_rule = StrengthRule::Diffusers;
  r.image->mask = "m.png";
  r.image->mask_blur = 0;
  r.image->inpaint_area = InpaintArea::Masked;
  r.image->masked_padding = 16;
  r.image->masked_content = MaskedContent::LatentNoise;
  r.image->outpaint_left = 8, r.image->outpaint_bottom = 64;
  r.image->outpaint_fill = OutpaintFill::Noise;
  EXPECT_EQ(GenerationRequest::from_json(r.to_json()), r);
  EXPECT_FALSE(GenerationRequest::from_json(GenerationRequest{}.to_json()).image.has_value());
  EXPECT_EQ(a1111_inpaint_area(InpaintArea::Masked), "Only masked");
  EXPECT_EQ(masked_content_from_a1111("latent nothing"), MaskedContent::LatentNothing);
}
