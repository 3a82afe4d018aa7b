// Image inputs on the trained embedded model: a fast-mode inpaint draft stops adaptively over the steps its
// strength leaves, and promoting it to quality with the same seed keeps what it painted in the hole (against a
// draft of another seed as the control), while the pixels outside the mask stay the source's; the 2x hires pass
// after an inpaint repaints only the mask.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>

#include "common/test_common.h"
#include "models/model.h"
#include "nets/autoencoder_kl.h"
#include "pipeline/hires.h"
#include "pipeline/metrics.h"
#include "pipeline/pipeline.h"
#include "pipeline/promote.h"
#include "pipeline/stage_decode.h"
#include "tensors/error.h"

using namespace ripen;
namespace fs = std::filesystem;

namespace {
constexpr int kSide = 64, kHole0 = 16, kHole1 = 48;  // the mask: the centre 32x32 square

struct Files {
  fs::path dir = test::temp_dir("image-fast");
  std::map<std::string, RgbaPixels> pixels;
  std::string add(const std::string& name, RgbaPixels p) {
    const std::string path = (dir / name).string();
    std::ofstream(path) << "pixels come from the reader";
    pixels[path] = std::move(p);
    return path;
  }
  ImageReader reader() const {
    return [this](const std::string& path) { return pixels.at(path); };
  }
  // Options for a pipeline that reads start pictures and masks from these files.
  PipelineOptions options() const {
    PipelineOptions po;
    po.read_image = reader();
    return po;
  }
};

RgbaPixels rgba(const Image& im) {
  RgbaPixels p{im.width, im.height, {}};
  for (size_t i = 0; i < im.rgb.size(); i += 3) p.rgba.insert(p.rgba.end(), {im.rgb[i], im.rgb[i + 1], im.rgb[i + 2], 255});
  return p;
}

RgbaPixels hole_mask() {
  RgbaPixels p{kSide, kSide, std::vector<uint8_t>(size_t(kSide) * kSide * 4, 0)};
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x) {
      uint8_t* px = &p.rgba[(size_t(y) * kSide + size_t(x)) * 4];
      const bool in = x >= kHole0 && x < kHole1 && y >= kHole0 && y < kHole1;
      px[0] = px[1] = px[2] = in ? 255 : 0;
      px[3] = 255;
    }
  return p;
}

Image hole_of(const Image& im) {
  Image out{kHole1 - kHole0, kHole1 - kHole0, {}};
  for (int y = kHole0; y < kHole1; ++y)
    for (int x = kHole0; x < kHole1; ++x)
      for (int c = 0; c < 3; ++c) out.rgb.push_back(im.rgb[(size_t(y) * size_t(im.width) + size_t(x)) * 3 + size_t(c)]);
  return out;
}

int64_t changed_outside_hole(const Image& a, const Image& b) {
  int64_t n = 0;
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x) {
      if (x >= kHole0 && x < kHole1 && y >= kHole0 && y < kHole1) continue;
      for (int c = 0; c < 3; ++c) {
        const size_t i = (size_t(y) * kSide + size_t(x)) * 3 + size_t(c);
        n += a.rgb[i] != b.rgb[i];
      }
    }
  return n;
}
Image source_picture(Pipeline& p) {
  GenerationRequest src;
  src.model = "embedded";
  src.prompt = "grinning face, google style";
  src.seed = 3;
  src.width = src.height = kSide;
  src.preset = Preset::Quality;
  GenerationResult source = p.generate(src);
  if (!source.ok()) throw Error(source.error);
  return source.images.at(0);
}

GenerationRequest inpaint_request(Files& f, const Image& source, uint64_t seed, Preset preset) {
  GenerationRequest r;
  r.model = "embedded";
  r.prompt = "red apple";
  r.seed = seed;
  r.width = r.height = kSide;
  r.preset = preset;
  r.image = ImageInput{};
  r.image->image = f.add("source.png", rgba(source));
  r.image->mask = f.add("mask.png", hole_mask());
  r.image->mask_blur = 0;
  r.image->strength = 0.75;  // A1111: 17 of the fast plan's 22 steps
  return r;
}
}  // namespace

TEST(ImageFast, InpaintDraftStopsEarlyAndPromotesKeepingItsComposition) {
  Files f;
  Pipeline pipe(f.options());
  const Image source = source_picture(pipe);
  auto draft_request = [&](uint64_t seed) { return inpaint_request(f, source, seed, Preset::Fast); };
  const auto t0 = std::chrono::steady_clock::now();
  GenerationResult draft = pipe.generate(draft_request(11));
  const double draft_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(draft.ok()) << draft.error;
  GenerationResult other = pipe.generate(draft_request(12));
  ASSERT_TRUE(other.ok()) << other.error;
  EXPECT_EQ(draft.plan().first_step, 5);
  std::cout << "fast inpaint draft: " << draft.record.steps_used << " steps of " << draft.plan().steps - 5
            << " left by the strength (" << draft.record.stop_reason << "), " << draft_seconds << " s\n";
  EXPECT_LT(draft.record.steps_used, draft.plan().steps - draft.plan().first_step);
  ASSERT_TRUE(draft.composition_latents.defined());
  EXPECT_EQ(changed_outside_hole(draft.images[0], source), 0);

  const double seeds_apart = ssim(hole_of(draft.images[0]), hole_of(other.images[0]));
  for (PromoteMode mode : {PromoteMode::Continue, PromoteMode::Rerender}) {
    GenerationResult q = promote(pipe, promote_source(draft), mode);
    ASSERT_TRUE(q.ok()) << q.error;
    ASSERT_TRUE(q.request.image.has_value());
    EXPECT_EQ(*q.request.image, *draft.request.image);
    EXPECT_EQ(changed_outside_hole(q.images[0], source), 0);
    const double kept = ssim(hole_of(q.images[0]), hole_of(draft.images[0]));
    const double control = ssim(hole_of(q.images[0]), hole_of(other.images[0]));
    std::cout << "promote " << to_string(mode) << ": " << q.record.steps_used << " steps, " << q.record.seconds_total
              << " s; hole SSIM to its draft " << kept << ", to the other seed's draft " << control
              << " (drafts of the two seeds: " << seeds_apart << ")\n";
    // Measured (CPU): continue 0.79 to its draft vs 0.69 to the other seed's, rerender 0.80 vs 0.69. This model's
    // images of one prompt look alike across seeds (the two drafts' holes: 0.77), so the margin is modest; a
    // promotion that lost the draft (another start, noise path or mask) lands at the control's level.
    EXPECT_GT(kept, control + 0.05);
  }
}

// After an inpaint the hires pass blends with the mask at 2x: outside it the final latent is the upscaled base
// result exactly, and the pasted-back pixels are the Lanczos-upscaled source's bytes; inside, the pass repaints.
TEST(ImageHires, PassAfterInpaintRepaintsOnlyTheMask) {
  Files f;
  Pipeline pipe(f.options());
  const Image source = source_picture(pipe);
  GenerationRequest r = inpaint_request(f, source, 11, Preset::Quality);
  GenerationResult base = pipe.generate(r);
  ASSERT_TRUE(base.ok()) << base.error;
  r.hires = true;
  r.hires_steps = 4;
  GenerationResult res = pipe.generate(r);
  ASSERT_TRUE(res.ok()) << res.error;
  ASSERT_EQ(res.images[0].width, 2 * kSide);
  ASSERT_EQ(res.images[0].height, 2 * kSide);

  auto model = pipe.model("embedded");
  const at::Tensor up = upscale_image_to_latents(*model->vae, decode_latents(*model->vae, base.latents, 96), 2, 96);
  const int64_t down = model->vae->config().downscale(), h0 = 2 * kHole0 / down, h1 = 2 * kHole1 / down;
  at::Tensor outside = at::ones_like(up, at::kBool);
  outside.slice(2, h0, h1).slice(3, h0, h1).fill_(false);
  EXPECT_TRUE(test::close_to(res.latents.masked_select(outside), up.masked_select(outside), 1e-5, 1e-5));
  at::Tensor inside = outside.logical_not();
  EXPECT_GT((res.latents - up).masked_select(inside).abs().max().item<double>(), 0.1);

  // Pixels: 2 px away from the hole at 2x (the bilinear overlay's reach) are the upscaled source's bytes.
  at::Tensor src = at::from_blob(const_cast<uint8_t*>(source.rgb.data()), {1, kSide, kSide, 3}, at::kByte)
                       .permute({0, 3, 1, 2}).to(at::kFloat).div(255);
  at::Tensor want = resize_lanczos(src, 2 * kSide, 2 * kSide).clamp(0, 1).mul(255).round().to(at::kByte)[0].permute({1, 2, 0});
  at::Tensor got = at::from_blob(const_cast<uint8_t*>(res.images[0].rgb.data()), {2 * kSide, 2 * kSide, 3}, at::kByte);
  at::Tensor keep = at::ones({2 * kSide, 2 * kSide}, at::kBool);
  keep.slice(0, 2 * kHole0 - 2, 2 * kHole1 + 2).slice(1, 2 * kHole0 - 2, 2 * kHole1 + 2).fill_(false);
  EXPECT_TRUE(at::equal(got.index({keep}), want.index({keep})));
}

// Outpainting: the canvas grows by the margins (rounded up to 8), the source's pixels stay exactly where they were
// (mask blur 0), and the new area is painted, not left as its edge-repeated fill.
TEST(ImageOutpaint, ExtendsTheCanvasKeepingTheSourceAndFillingTheNewArea) {
  Files f;
  Pipeline pipe(f.options());
  const Image source = source_picture(pipe);
  GenerationRequest r = inpaint_request(f, source, 11, Preset::Quality);
  r.image->mask.clear();
  r.image->strength = 1.0;
  r.image->outpaint_right = 16;
  r.image->outpaint_top = 5;  // rounded up to 8, with a note
  GenerationResult res = pipe.generate(r);
  ASSERT_TRUE(res.ok()) << res.error;
  const Image& out = res.images[0];
  ASSERT_EQ(out.width, kSide + 16);
  ASSERT_EQ(out.height, kSide + 8);
  EXPECT_EQ(res.request.width, kSide + 16);
  ASSERT_FALSE(res.notes.empty());
  EXPECT_NE(res.notes.back().find("rounded up"), std::string::npos);
  auto px = [](const Image& im, int x, int y, int c) { return int(im.rgb[(size_t(y) * size_t(im.width) + size_t(x)) * 3 + size_t(c)]); };
  int64_t moved = 0;
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x)
      for (int c = 0; c < 3; ++c) moved += px(out, x, y + 8, c) != px(source, x, y, c);
  EXPECT_EQ(moved, 0);
  // The new right strip against the edge fill (each row's last source pixel repeated): repainted.
  double diff = 0;
  int n = 0;
  for (int y = 8; y < kSide + 8; ++y)
    for (int x = kSide; x < kSide + 16; ++x)
      for (int c = 0; c < 3; ++c, ++n) diff += std::abs(px(out, x, y, c) - px(source, kSide - 1, y - 8, c));
  std::cout << "outpaint: mean |new strip - edge fill| = " << diff / n << " (8-bit)\n";
  EXPECT_GT(diff / n, 4.0);
  // Promoted, the child grows the same picture by the same margins (not the grown canvas again).
  GenerationResult q = promote(pipe, promote_source(res), PromoteMode::Rerender);
  ASSERT_TRUE(q.ok()) << q.error;
  EXPECT_EQ(q.images[0].width, kSide + 16);
  EXPECT_EQ(q.images[0].height, kSide + 8);
}

// A mask of another size than the picture is resized to it, and the result says so (the CLI prints its notes).
TEST(ImageBadInput, MaskOfAnotherSizeIsResizedWithANote) {
  Files f;
  Pipeline pipe(f.options());
  const Image source = source_picture(pipe);
  GenerationRequest r = inpaint_request(f, source, 11, Preset::Custom);
  r.steps = 2;
  RgbaPixels half{kSide / 2, kSide / 2, std::vector<uint8_t>(size_t(kSide) * kSide, 255)};
  r.image->mask = f.add("half.png", half);
  GenerationResult res = pipe.generate(r);
  ASSERT_TRUE(res.ok()) << res.error;
  ASSERT_FALSE(res.notes.empty());
  EXPECT_NE(res.notes.back().find("half.png is 32x32, the picture 64x64: resized"), std::string::npos) << res.notes.back();
}
