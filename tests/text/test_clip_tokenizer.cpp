#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "common/test_common.h"
#include "tensors/error.h"
#include "tensors/json_file.h"
#include "text/clip_tokenizer.h"

using ripen::text::ClipTokenizer;
namespace fs = std::filesystem;

namespace {

void expect_rows(const ClipTokenizer& tok, const nlohmann::json& prompts, const nlohmann::json& ids, const char* what) {
  ASSERT_EQ(prompts.size(), ids.size());
  at::Tensor batch = tok.encode_batch(prompts.get<std::vector<std::string>>());
  for (size_t i = 0; i < prompts.size(); ++i) {
    auto want = ids[i].get<std::vector<int64_t>>();
    auto got = tok.encode_padded(prompts[i].get<std::string>());
    EXPECT_EQ(got, want) << what << " prompt " << i << ": " << prompts[i].get<std::string>();
    for (size_t j = 0; j < want.size(); ++j) ASSERT_EQ(batch[i][j].item<int64_t>(), want[j]);
  }
}
}  // namespace

TEST(ClipTokenizer, MatchesTransformersSd15) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto ref = ripen::read_json_file(oracle / "tiny-sd15/ref/tokens.json");
  auto tok = ClipTokenizer::from_folder(oracle / "tiny-sd15/tokenizer");
  EXPECT_EQ(tok.pad_id(), 49407);
  expect_rows(tok, ref["prompts"], ref["hf_input_ids"], "sd15");
  // BPE strings and untruncated ids too (the strings make a mismatch easy to read).
  for (size_t i = 0; i < ref["prompts"].size(); ++i) {
    auto prompt = ref["prompts"][i].get<std::string>();
    EXPECT_EQ(tok.tokenize(prompt), ref["hf_bpe_tokens"][i].get<std::vector<std::string>>()) << prompt;
    auto full = ref["hf_untruncated_ids"][i].get<std::vector<int64_t>>();
    auto content = tok.encode(prompt);
    EXPECT_EQ(content.size() + 2, full.size());
    EXPECT_EQ(content, std::vector<int64_t>(full.begin() + 1, full.end() - 1));
  }
}

TEST(ClipTokenizer, MatchesTransformersSdxlBothTokenizers) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto ref = ripen::read_json_file(oracle / "tiny-sdxl/ref/tokens.json");
  auto tok1 = ClipTokenizer::from_folder(oracle / "tiny-sdxl/tokenizer");
  auto tok2 = ClipTokenizer::from_folder(oracle / "tiny-sdxl/tokenizer_2");
  EXPECT_EQ(tok2.pad_id(), 0);
  EXPECT_TRUE(tok2.options().bang_as_pad);
  expect_rows(tok1, ref["prompts"], ref["tokenizer_input_ids"], "sdxl tokenizer");
  expect_rows(tok2, ref["prompts"], ref["tokenizer_2_input_ids"], "sdxl tokenizer_2");
  for (size_t i = 0; i < ref["prompts"].size(); ++i)
    EXPECT_EQ(tok2.tokenize(ref["prompts"][i].get<std::string>()),
              ref["tokenizer_2_bpe_tokens"][i].get<std::vector<std::string>>());
}

TEST(ClipTokenizer, BundledVocabularyIsTheOracles) {
  auto tok = ClipTokenizer::bundled();
  EXPECT_EQ(tok.vocab_size(), 49408u);
  EXPECT_EQ(tok.encode("a red apple on a white table"), (std::vector<int64_t>{320, 736, 3055, 525, 320, 1579, 2175}));
  EXPECT_EQ(tok.decode(tok.encode_padded("A  Red apple, 3.14!")), "a red apple , 3 . 1 4 !");
}

TEST(ClipTokenizer, SpecialsTruncationAndPadding) {
  auto tok = ClipTokenizer::bundled();
  // Special tokens written in the prompt are split out before cleaning.
  EXPECT_EQ(tok.encode("cat<|endoftext|>dog"), (std::vector<int64_t>{2368, 49407, 1929}));
  std::string many;
  for (int i = 0; i < 100; ++i) many += "cat ";
  auto ids = tok.encode_padded(many);
  ASSERT_EQ(ids.size(), 77u);
  EXPECT_EQ(ids.front(), 49406);
  EXPECT_EQ(ids[75], 2368);
  EXPECT_EQ(ids[76], 49407);
  auto empty = tok.encode_padded("");
  EXPECT_EQ(empty[0], 49406);
  EXPECT_EQ(empty[1], 49407);
  EXPECT_EQ(empty[2], 49407);
}

TEST(ClipTokenizer, MissingFilesAreClearErrors) {
  auto dir = ripen::test::temp_dir("clip_tok_missing");
  EXPECT_THROW(ClipTokenizer::from_files(dir / "vocab.json", dir / "merges.txt"), ripen::Error);
  {
    std::ofstream(dir / "vocab.json") << "{not json";
    std::ofstream(dir / "merges.txt") << "#version: 0.2\n";
  }
  try {
    ClipTokenizer::from_files(dir / "vocab.json", dir / "merges.txt");
    FAIL() << "expected an error";
  } catch (const ripen::Error& e) {
    EXPECT_NE(std::string(e.what()).find("vocab.json"), std::string::npos) << e.what();
  }
}
