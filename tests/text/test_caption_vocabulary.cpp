#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/test_common.h"
#include "tensors/error.h"
#include "text/caption_vocabulary.h"

using namespace ripen::text;
namespace fs = std::filesystem;

namespace {
CaptionVocabulary emoji_words() {
  return CaptionVocabulary::from_captions({"grinning face, google style", "google style emoji of grinning",
                                           "grinning face", "smileys emotion: grinning face, google style",
                                           "red apple, twitter style", "green apple, twitter style"});
}
}  // namespace

TEST(CaptionVocabulary, PromptWordsDropSyntax) {
  EXPECT_EQ(prompt_words("a (Red apple:1.3), [blurry] BREAK <lora:ink-wash:0.8> Face"),
            (std::vector<std::string>{"a", "red", "apple", "blurry", "face"}));
  EXPECT_EQ(prompt_words("keycap: 1, \"piñata\""), (std::vector<std::string>{"keycap", "1", "piñata"}));
  EXPECT_TRUE(prompt_words("  ,, () <lora:x> BREAK ").empty());
}

TEST(CaptionVocabulary, CountsAndCompletes) {
  const CaptionVocabulary v = emoji_words();
  EXPECT_EQ(v.words().at("grinning"), 4);
  EXPECT_EQ(v.words().at("face"), 3);
  EXPECT_TRUE(v.knows("Apple"));
  EXPECT_FALSE(v.knows("lighthouse"));
  // Most frequent first; the complete word itself is not offered.
  EXPECT_EQ(v.complete("g"), (std::vector<std::string>{"grinning", "google", "green"}));
  EXPECT_EQ(v.complete("GR", 1), (std::vector<std::string>{"grinning"}));
  EXPECT_TRUE(v.complete("apple").empty());
  EXPECT_TRUE(v.complete("").empty());
  EXPECT_TRUE(v.complete("zebra").empty());
}

TEST(CaptionVocabulary, CoverageSaysWhenMostWordsAreUnknown) {
  const CaptionVocabulary v = emoji_words();
  const VocabularyCoverage known = v.coverage("(grinning face:1.2), google style");
  EXPECT_EQ(known.words, 4);
  EXPECT_EQ(known.unknown, 0);
  EXPECT_FALSE(known.mostly_unknown());
  const VocabularyCoverage lighthouse = v.coverage("a lighthouse at dusk, (dramatic sky:1.2), red");
  EXPECT_EQ(lighthouse.words, 7);
  EXPECT_EQ(lighthouse.unknown, 6);
  EXPECT_TRUE(lighthouse.mostly_unknown());
  EXPECT_EQ(lighthouse.unknown_words, (std::vector<std::string>{"a", "lighthouse", "at", "dusk", "dramatic", "sky"}));
  // Half unknown is not "most".
  EXPECT_FALSE(v.coverage("red lighthouse").mostly_unknown());
  EXPECT_FALSE(v.coverage("").mostly_unknown());
}

TEST(CaptionVocabulary, JsonRoundTripAndErrorsNameTheKey) {
  CaptionVocabulary v = emoji_words();
  v.set_examples({"grinning face, google style"});
  const CaptionVocabulary back = CaptionVocabulary::from_json_text(v.to_json_text("test"), "mem");
  EXPECT_EQ(back.words(), v.words());
  EXPECT_EQ(back.examples(), v.examples());
  auto message = [](const char* text) {
    try {
      CaptionVocabulary::from_json_text(text, "vocab.json");
    } catch (const ripen::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("[1]").find("vocab.json: not a JSON object"), std::string::npos);
  EXPECT_NE(message("{}").find("'words'"), std::string::npos);
  EXPECT_NE(message(R"({"words": {"face": -2}})").find("'words.face'"), std::string::npos);
  EXPECT_NE(message(R"({"words": {"red apple": 2}})").find("\"red apple\""), std::string::npos);
  EXPECT_NE(message(R"({"words": {"a": 1}, "examples": [3]})").find("'examples'"), std::string::npos);
  EXPECT_NE(message("{\"words\": ").find("vocab.json"), std::string::npos);
}

TEST(CaptionVocabulary, LoadsBesideTheModelOnlyWhenThere) {
  const fs::path dir = fs::temp_directory_path() / ("ripen-vocab-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  EXPECT_FALSE(CaptionVocabulary::load_for_model(dir.string()).has_value());
  std::ofstream(dir / "vocabulary.json") << R"({"words": {"face": 3}, "examples": ["face"]})";
  auto v = CaptionVocabulary::load_for_model(dir.string());
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->knows("face"));
  std::ofstream(dir / "vocabulary.json") << R"({"words": 3})";
  EXPECT_THROW(CaptionVocabulary::load_for_model(dir.string()), ripen::Error);
  fs::remove_all(dir);
}

// The shipped embedded model's vocabulary (when the model is in this tree) knows its own example prompts.
TEST(CaptionVocabulary, EmbeddedExamplesAreInItsVocabulary) {
  const fs::path dir = ripen::test::source_dir() / "resources/models/ripen-emoji";
  auto v = CaptionVocabulary::load_for_model(dir.string());
  if (!v) GTEST_SKIP() << "no vocabulary.json in " << dir;
  ASSERT_GE(v->examples().size(), 4u);
  for (const std::string& e : v->examples()) EXPECT_EQ(v->coverage(e).unknown, 0) << e;
  EXPECT_TRUE(v->coverage("masterpiece, cinematic photograph, (volumetric lighting:1.2), bokeh").mostly_unknown());
}
