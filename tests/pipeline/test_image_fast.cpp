// Fast mode from a picture on the trained embedded model: an inpaint draft stops adaptively over the steps its
// strength leaves, and promoting it to quality with the same seed keeps what it painted in the hole (against a
// draft of another seed as the control), while the pixels outside the mask stay the source's.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>

#include "common/test_common.h"
#include "pipeline/metrics.h"
#include "pipeline/pipeline.h"
#include "pipeline/promote.h"
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
}  // namespace

TEST(ImageFast, InpaintDraftStopsEarlyAndPromotesKeepingItsComposition) {
  Pipeline p;
  Files f;
  GenerationRequest src;
  src.model = "embedded";
  src.prompt = "grinning face, google style";
  src.seed = 3;
  src.width = src.height = kSide;
  src.preset = Preset::Quality;
  GenerationResult source = p.generate(src);
  ASSERT_TRUE(source.ok()) << source.error;

  PipelineOptions po;
  po.read_image = f.reader();
  Pipeline pipe(po);
  auto draft_request = [&](uint64_t seed) {
    GenerationRequest r;
    r.model = "embedded";
    r.prompt = "red apple";
    r.seed = seed;
    r.width = r.height = kSide;
    r.preset = Preset::Fast;
    r.image = ImageInput{};
    r.image->image = f.add("source.png", rgba(source.images[0]));
    r.image->mask = f.add("mask.png", hole_mask());
    r.image->mask_blur = 0;
    r.image->strength = 0.75;  // A1111: 17 of the fast plan's 22 steps
    return r;
  };
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
  EXPECT_EQ(changed_outside_hole(draft.images[0], source.images[0]), 0);

  const double seeds_apart = ssim(hole_of(draft.images[0]), hole_of(other.images[0]));
  for (PromoteMode mode : {PromoteMode::Continue, PromoteMode::Rerender}) {
    GenerationResult q = promote(pipe, promote_source(draft), mode);
    ASSERT_TRUE(q.ok()) << q.error;
    ASSERT_TRUE(q.request.image.has_value());
    EXPECT_EQ(*q.request.image, *draft.request.image);
    EXPECT_EQ(changed_outside_hole(q.images[0], source.images[0]), 0);
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
