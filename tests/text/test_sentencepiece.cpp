#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "common/test_common.h"
#include "tensors/error.h"
#include "text/sentencepiece_tokenizer.h"

using ripen::text::SentencePieceTokenizer;
namespace fs = std::filesystem;

namespace {
// Trains a tiny model with the spm_train command-line tool; empty path when the tool is absent.
fs::path train_tiny_model() {
  if (std::system("command -v spm_train >/dev/null 2>&1") != 0) return {};
  fs::path dir = ripen::test::temp_dir("spm_train");
  {
    std::ofstream corpus(dir / "corpus.txt");
    const char* lines[] = {"a red apple on a white table", "a green pear next to a blue cup",
                           "smiling face with heart eyes", "grinning cat with tears of joy",
                           "thumbs up sign, medium skin tone", "red heart and yellow star",
                           "a small dog runs on the beach", "the quick brown fox jumps over the lazy dog"};
    for (int rep = 0; rep < 20; ++rep)
      for (const char* l : lines) corpus << l << "\n";
  }
  std::string cmd = "spm_train --input=" + (dir / "corpus.txt").string() + " --model_prefix=" + (dir / "tiny").string() +
                    " --vocab_size=60 --model_type=unigram --character_coverage=1.0 --minloglevel=2 >" +
                    (dir / "log.txt").string() + " 2>&1";
  if (std::system(cmd.c_str()) != 0) return {};
  return dir / "tiny.model";
}
}  // namespace

TEST(SentencePiece, ModuleIsFound) {
  fs::path p = SentencePieceTokenizer::module_path();
  EXPECT_TRUE(fs::exists(p)) << p;
}

TEST(SentencePiece, TrainedModelRoundTrips) {
  fs::path model = train_tiny_model();
  if (model.empty()) GTEST_SKIP() << "spm_train not installed (package sentencepiece); skipping";
  auto sp = SentencePieceTokenizer::load(model);
  EXPECT_EQ(sp.vocab_size(), 60);
  EXPECT_EQ(sp.unk_id(), 0);
  EXPECT_EQ(sp.bos_id(), 1);
  EXPECT_EQ(sp.eos_id(), 2);
  for (std::string text : {"a red apple on a white table", "grinning cat with heart eyes", ""}) {
    auto ids = sp.encode(text);
    for (int64_t id : ids) {
      EXPECT_GE(id, 0);
      EXPECT_LT(id, 60);
    }
    EXPECT_EQ(sp.decode(ids), text);
  }
  EXPECT_FALSE(sp.encode("a red apple").empty());
  EXPECT_EQ(sp.piece_to_id("<unk>"), 0);
  EXPECT_THROW(sp.decode({1000}), ripen::Error);
}

TEST(SentencePiece, MissingOrBadModelIsAClearError) {
  fs::path dir = ripen::test::temp_dir("spm_bad");
  try {
    SentencePieceTokenizer::load(dir / "absent.model");
    FAIL() << "expected an error";
  } catch (const ripen::Error& e) {
    EXPECT_NE(std::string(e.what()).find("absent.model"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "garbage.model") << "this is not a protobuf";
  try {
    SentencePieceTokenizer::load(dir / "garbage.model");
    FAIL() << "expected an error";
  } catch (const ripen::Error& e) {
    EXPECT_NE(std::string(e.what()).find("garbage.model"), std::string::npos) << e.what();
  }
}

TEST(SentencePiece, MissingOrBrokenModuleIsAClearError) {
  struct EnvGuard {
    std::string old;
    bool had;
    EnvGuard() : had(std::getenv("RIPEN_SPM_MODULE") != nullptr) {
      if (had) old = std::getenv("RIPEN_SPM_MODULE");
    }
    ~EnvGuard() { had ? setenv("RIPEN_SPM_MODULE", old.c_str(), 1) : unsetenv("RIPEN_SPM_MODULE"); }
  } guard;
  fs::path dir = ripen::test::temp_dir("spm_module");
  std::ofstream(dir / "model.model") << "x";
  setenv("RIPEN_SPM_MODULE", (dir / "absent.so").c_str(), 1);
  try {
    SentencePieceTokenizer::load(dir / "model.model");
    FAIL() << "expected an error";
  } catch (const ripen::Error& e) {
    EXPECT_NE(std::string(e.what()).find("absent.so"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "broken.so") << "not an ELF file";
  setenv("RIPEN_SPM_MODULE", (dir / "broken.so").c_str(), 1);
  try {
    SentencePieceTokenizer::load(dir / "model.model");
    FAIL() << "expected an error";
  } catch (const ripen::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot load the SentencePiece module"), std::string::npos) << e.what();
  }
}
