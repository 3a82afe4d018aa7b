#include <gtest/gtest.h>

#include "tensors/error.h"
#include "training/png.h"

using namespace ripen::training;

TEST(TrainingPng, EncodeDecodeRoundTrip) {
  if (!png_decoder_available()) GTEST_SKIP() << "built without zlib";
  for (int channels : {3, 4}) {
    Image8 img{13, 7, channels, {}};
    for (int i = 0; i < 13 * 7 * channels; ++i) img.pixels.push_back(static_cast<uint8_t>(i * 37 + 11));
    auto back = decode_png_rgba(encode_png(img), "mem");
    ASSERT_EQ(back.width, 13);
    ASSERT_EQ(back.height, 7);
    for (int y = 0; y < 7; ++y)
      for (int x = 0; x < 13; ++x)
        for (int c = 0; c < 4; ++c)
          EXPECT_EQ(back.at(x, y)[c], c < channels ? img.at(x, y)[c] : 255) << x << "," << y << "," << c;
  }
}

TEST(TrainingPng, RejectsGarbage) {
  EXPECT_THROW(decode_png_rgba({1, 2, 3}, "mem"), ripen::Error);
  std::vector<uint8_t> sig{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 0};
  EXPECT_THROW(decode_png_rgba(sig, "mem"), ripen::Error);
}
