#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "common/test_common.h"
#include "training/emoji_dataset.h"
#include "tensors/error.h"

using namespace ripen::training;
namespace fs = std::filesystem;

namespace {
// The dataset builder takes pixels from a reader (the CLI's decodes PNGs through imageio): here the images live
// in memory, keyed by path, beside an empty file that marks each one present.
std::map<std::string, Image8> images;

// A 64×64 RGBA square of colour (r,g,b) on transparent background, alpha 128 on the border ring.
void write_emoji(const fs::path& p, uint8_t r, uint8_t g, uint8_t b) {
  Image8 img{64, 64, 4, std::vector<uint8_t>(64 * 64 * 4, 0)};
  for (int y = 16; y < 48; ++y)
    for (int x = 16; x < 48; ++x) {
      uint8_t* px = img.at(x, y);
      px[0] = r, px[1] = g, px[2] = b;
      px[3] = (x == 16 || y == 16) ? 128 : 255;
    }
  std::ofstream(p).flush();
  images[p.string()] = img;
}

Image8 read_from_memory(const std::string& path) {
  auto it = images.find(path);
  if (it == images.end()) throw ripen::Error(path + ": not written by the test");
  return it->second;
}
}  // namespace

TEST(TrainingDataset, BuildsFromSyntheticPackagesAndRoundTrips) {
  auto dir = ripen::test::temp_dir("training_dataset");
  // "0030" is held out by the documented rule? pick codes so that one is (checked below, not assumed)
  std::vector<std::string> codes = {"1F600", "1F431", "2764-FE0F"};
  std::ofstream(dir / "emoji.json") << R"([
    {"name":"GRINNING FACE","unified":"1F600","image":"1f600.png","short_names":["grinning"],"category":"Smileys & Emotion","subcategory":"face-smiling","sort_order":1,"has_img_a":true,"has_img_b":true},
    {"name":"CAT FACE","unified":"1F431","image":"1f431.png","short_names":["cat","kitty"],"category":"Animals & Nature","subcategory":"animal-mammal","sort_order":2,"has_img_a":true,"has_img_b":false},
    {"name":"RED HEART","unified":"2764-FE0F","image":"2764-fe0f.png","short_names":["heart"],"category":"Smileys & Emotion","subcategory":"heart","sort_order":3,"has_img_a":true,"has_img_b":true},
    {"name":"SKIN","unified":"1F3FB","image":"1f3fb.png","short_names":["skin"],"category":"Component","subcategory":"skin-tone","sort_order":4,"has_img_a":true,"has_img_b":true}
  ])";
  for (const char* set : {"a", "b"}) {
    fs::create_directories(dir / set);
    write_emoji(dir / set / "1f600.png", 250, 200, 0);
    write_emoji(dir / set / "2764-fe0f.png", 220, 0, 0);
    write_emoji(dir / set / "1f3fb.png", 200, 150, 100);
  }
  write_emoji(dir / "a" / "1f431.png", 100, 100, 100);
  std::vector<EmojiSource> sources = {{"a style", (dir / "emoji.json").string(), (dir / "a").string(), "has_img_a", "pkg-a@1"},
                                      {"b style", (dir / "emoji.json").string(), (dir / "b").string(), "has_img_b", "pkg-b@1"}};
  auto ds = build_emoji_dataset(sources, read_from_memory);
  ASSERT_EQ(ds.size(), 5);  // 2 + 1 + 2, no Component
  ASSERT_EQ(ds.classes.size(), 3u);
  EXPECT_EQ(ds.classes[1].name, "CAT FACE");
  EXPECT_EQ(ds.captions[0][0], "grinning face, a style");
  EXPECT_EQ(ds.captions[2][1], "a style emoji of cat, kitty");
  // composited on white: corner white, centre the colour, the half-transparent ring blended
  auto img = ds.images[0];
  EXPECT_EQ(img[0][0][0].item<int>(), 255);
  EXPECT_EQ(img[30][30][0].item<int>(), 250);
  EXPECT_EQ(img[30][30][2].item<int>(), 0);
  EXPECT_EQ(img[16][30][2].item<int>(), 127);  // (0*128 + 255*127 + 127) / 255, rounded down
  // hold-out rule: exactly the documented one, and only for emoji with both styles
  for (int64_t i = 0; i < ds.size(); ++i) {
    int style = -1;
    const auto& cls = ds.classes[ds.class_ids[i].item<int64_t>()];
    bool held = cls.unified != "1F431" && emoji_held_out(cls.unified, &style) && ds.styles[i].item<int64_t>() == style;
    EXPECT_EQ(ds.is_eval[i].item<bool>(), held) << cls.unified;
  }
  auto path = (dir / "set.safetensors").string();
  ds.save(path);
  auto back = EmojiDataset::load(path);
  EXPECT_TRUE(back.images.equal(ds.images));
  EXPECT_TRUE(back.class_ids.equal(ds.class_ids));
  EXPECT_TRUE(back.is_eval.equal(ds.is_eval));
  EXPECT_EQ(back.captions, ds.captions);
  EXPECT_EQ(back.style_names, ds.style_names);
}

TEST(TrainingDataset, HoldOutRuleIsStable) {
  // Documented values: FNV-1a 64 of the unified string; held out iff hash % 10 == 0.
  EXPECT_EQ(fnv1a64(""), 14695981039346656037ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  int held = 0;
  for (int i = 0; i < 1000; ++i) held += emoji_held_out("X" + std::to_string(i), nullptr);
  EXPECT_GT(held, 60);
  EXPECT_LT(held, 140);
}
