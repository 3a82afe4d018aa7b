// Plain PNG files through OpenImageIO (what `ripen-cli train data`, the loss plots and contact sheets use).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/test_common.h"
#include "imageio/image_file.h"
#include "tensors/error.h"

using namespace ripen::imageio;
namespace fs = std::filesystem;

namespace {
Pixels8 pattern(int w, int h, int channels) {
  Pixels8 p{w, h, channels, std::vector<uint8_t>(size_t(w) * h * channels)};
  for (size_t i = 0; i < p.data.size(); ++i) p.data[i] = uint8_t((i * 37 + i / 7) % 256);
  return p;
}
}  // namespace

TEST(ImageFile, RgbaPngRoundTripsExactly) {
  auto dir = ripen::test::temp_dir("image_file_rgba");
  Pixels8 img = pattern(13, 7, 4);
  write_png8(dir / "a.png", img);
  Pixels8 back = read_rgba8(dir / "a.png");
  EXPECT_EQ(back.width, 13);
  EXPECT_EQ(back.height, 7);
  ASSERT_EQ(back.channels, 4);
  EXPECT_EQ(back.data, img.data);
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename(), "a.png");  // no temp file left
}

TEST(ImageFile, RgbGainsAnOpaqueAlpha) {
  auto dir = ripen::test::temp_dir("image_file_rgb");
  Pixels8 img = pattern(5, 3, 3);
  write_png8(dir / "b.png", img);
  Pixels8 back = read_rgba8(dir / "b.png");
  ASSERT_EQ(back.data.size(), size_t(5 * 3 * 4));
  for (size_t p = 0; p < 15; ++p) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(back.data[p * 4 + c], img.data[p * 3 + c]);
    EXPECT_EQ(back.data[p * 4 + 3], 255);
  }
}

TEST(ImageFile, ErrorsNameTheFile) {
  auto dir = ripen::test::temp_dir("image_file_errors");
  std::ofstream(dir / "junk.png") << "not a png";
  try {
    read_rgba8(dir / "junk.png");
    FAIL() << "junk decoded";
  } catch (const ripen::Error& e) {
    EXPECT_NE(std::string(e.what()).find("junk.png"), std::string::npos) << e.what();
  }
  Pixels8 wrong{4, 4, 4, std::vector<uint8_t>(10)};
  EXPECT_THROW(write_png8(dir / "wrong.png", wrong), ripen::Error);
  EXPECT_FALSE(fs::exists(dir / "wrong.png"));
}
