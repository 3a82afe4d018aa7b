// The embedded model (resources/models/ripen-emoji) loads through load_model, tokenizes the way it was trained
// ([2] content [3], 0-padded to 77) and generates 64x64 images that depend on the prompt.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "models/model.h"
#include "pipeline/pipeline.h"
#include "text/sentencepiece_prompt_tokenizer.h"

namespace {

double pixel_std(const ripen::Image& img) {
  double sum = 0, sq = 0;
  for (uint8_t v : img.rgb) sum += v, sq += double(v) * v;
  double n = double(img.rgb.size()), mean = sum / n;
  return std::sqrt(std::max(0.0, sq / n - mean * mean));
}

double mean_abs_diff(const ripen::Image& a, const ripen::Image& b) {
  double d = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) d += std::abs(int(a.rgb[i]) - int(b.rgb[i]));
  return d / double(a.rgb.size());
}

}  // namespace

TEST(EmbeddedModel, ResolvesAndTokenizesLikeTraining) {
  std::string path = ripen::models::resolve_model_path("embedded");
  EXPECT_NE(path.find("ripen-emoji"), std::string::npos) << path;
  EXPECT_EQ(ripen::models::resolve_model_path("/some/other"), "/some/other");

  ripen::models::LoadOptions o;
  o.components = {"tokenizer"};
  auto m = ripen::models::load_model(path, o);
  ASSERT_TRUE(m.tokenizer);
  ASSERT_NE(dynamic_cast<const ripen::text::SentencePiecePromptTokenizer*>(m.tokenizer.get()), nullptr);
  auto empty = m.tokenizer->encode_padded("");
  ASSERT_EQ(empty.size(), 77u);
  EXPECT_EQ(empty[0], 2);
  EXPECT_EQ(empty[1], 3);
  for (size_t i = 2; i < 77; ++i) EXPECT_EQ(empty[i], 0) << i;
  auto ids = m.tokenizer->encode_padded("grinning face, google style");
  auto content = m.tokenizer->encode("grinning face, google style");
  ASSERT_FALSE(content.empty());
  EXPECT_EQ(ids[0], 2);
  EXPECT_EQ(ids[content.size() + 1], 3);
  EXPECT_EQ(ids[content.size() + 2], 0);
  for (size_t i = 0; i < content.size(); ++i) {
    EXPECT_EQ(ids[i + 1], content[i]);
    EXPECT_GT(content[i], 3);  // no special ids inside the content
    EXPECT_LT(content[i], 2048);
  }
}

TEST(EmbeddedModel, GeneratesPromptDependentImages) {
  ripen::Pipeline pipeline;
  auto run = [&](const std::string& prompt) {
    ripen::GenerationRequest r;
    r.model = "embedded";
    r.prompt = prompt;
    r.width = r.height = 64;
    r.seed = 7;
    r.preset = ripen::Preset::Fast;
    auto res = pipeline.generate(r);
    EXPECT_TRUE(res.ok()) << res.error;
    EXPECT_EQ(res.images.size(), 1u);
    return res.ok() && !res.images.empty() ? res.images[0] : ripen::Image{};
  };
  ripen::Image a = run("grinning face, google style"), b = run("red heart, twitter style");
  ASSERT_EQ(a.width, 64);
  ASSERT_EQ(a.height, 64);
  ASSERT_EQ(b.rgb.size(), a.rgb.size());
  EXPECT_GT(pixel_std(a), 10.0);
  EXPECT_GT(pixel_std(b), 10.0);
  EXPECT_GT(mean_abs_diff(a, b), 10.0);  // same seed, different prompt: a different picture
}

// Fast mode on the embedded model stops where its own trained predictor (predictor/ beside the weights) says more
// steps would not visibly change the picture.
TEST(EmbeddedModel, FastModeStopsByItsTrainedPredictor) {
  ripen::models::LoadOptions o;
  o.components = {"unet"};
  auto m = ripen::models::load_model(ripen::models::resolve_model_path("embedded"), o);
  ASSERT_TRUE(m.stop_predictor) << "no predictor/ beside the embedded model";
  EXPECT_NE(m.stop_predictor_source.find("predictor"), std::string::npos);

  ripen::Pipeline pipeline;
  ripen::GenerationRequest r;
  r.model = "embedded";
  r.prompt = "grinning face, google style";
  r.width = r.height = 0;
  r.seed = 3;
  r.preset = ripen::Preset::Fast;
  auto res = pipeline.generate(r);
  ASSERT_TRUE(res.ok()) << res.error;
  ASSERT_FALSE(res.checkpoints.empty());
  EXPECT_NE(res.record.stop_reason.find("trained predictor"), std::string::npos) << res.record.stop_reason;
  EXPECT_NE(res.record.stop_reason.find("predicted SSIM"), std::string::npos) << res.record.stop_reason;
}

// A broken predictor beside a model fails the load with the file's name, rather than silently falling back.
TEST(EmbeddedModel, BrokenPredictorNamesItsFile) {
  namespace fs = std::filesystem;
  const fs::path src = ripen::models::resolve_model_path("embedded");
  const fs::path dir = fs::temp_directory_path() / ("ripen-broken-predictor-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "predictor");
  for (const auto& e : fs::directory_iterator(src))
    if (e.path().filename() != "predictor") fs::create_symlink(e.path(), dir / e.path().filename());
  std::ofstream(dir / "predictor" / "config.json") << "{\"features\": [";
  try {
    ripen::models::load_model(dir.string(), {});
    ADD_FAILURE() << "no error for a broken predictor";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("predictor/config.json"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}
