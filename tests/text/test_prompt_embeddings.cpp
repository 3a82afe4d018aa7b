// Textual-inversion embeddings in the prompt (text/prompt_embeddings.h): an embedding whose vectors are a word's
// token embeddings conditions exactly as the word; n vectors take n positions and shift what follows; A1111's
// chunking (an embedding never splits across chunks); ComfyUI's embedding:NAME; SDXL's two encoders.
#include <gtest/gtest.h>

#include "common/test_common.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"
#include "text/conditioning.h"

using namespace ripen;
using namespace ripen::text;
namespace fs = std::filesystem;

namespace {
ClipTextModel load_te(const fs::path& dir) {
  auto st = SafeTensors::open((dir / "model.safetensors").string());
  auto ps = ParamStore::from_tensors(st.load_all(), st.path());
  ClipTextModel m;
  m.bind(ps, ClipTextConfig::from_json(dir / "config.json"));
  ps.finish(ClipTextModel::ignored_keys());
  return m;
}
// The token embeddings of `word` as the encoder's table holds them: [n, C].
at::Tensor rows_of(const ClipTextModel& te, const TokenEncoder& tok, const std::string& word) {
  const auto ids = tok.encode(word);
  return te.embedding_weight().index_select(0, at::tensor(ids, at::kLong)).clone();
}
}  // namespace

TEST(PromptEmbeddings, WordVectorsGiveBitIdenticalConditioning) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto tok = ClipTokenizer::from_folder(oracle / "tiny-sd15/tokenizer");
  auto te = load_te(oracle / "tiny-sd15/text_encoder");
  // "red apple" is 2 tokens: an embedding of 2 vectors standing for them
  PromptEmbeddings emb(tok, {{"zqxv", "test", rows_of(te, tok, "red apple")}});
  TextEncoderRef with{&tok, &te, &emb};
  TextConditioner cond(TextArch::SD1, {with});
  TextConditioner plain(TextArch::SD1, {{&tok, &te}});
  const auto a = cond.encode_pair({"a zqxv on a (table:1.2)"}, {"blurry"});
  const auto b = plain.encode_pair({"a red apple on a (table:1.2)"}, {"blurry"});
  EXPECT_TRUE(at::equal(a.first.context, b.first.context));
  EXPECT_TRUE(at::equal(a.second.context, b.second.context));
  // ComfyUI's form, with a trailing comma, is the same
  const auto c = cond.encode({"a embedding:zqxv, on a table"});
  EXPECT_TRUE(at::equal(c.context, plain.encode({"a red apple, on a table"}).context));
  // and the word without the embedding set is just text
  EXPECT_FALSE(at::equal(plain.encode({"a zqxv on a table"}).context, plain.encode({"a red apple on a table"}).context));
}

TEST(PromptEmbeddings, VectorsTakePositionsAndShiftLaterTokens) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto tok = ClipTokenizer::from_folder(oracle / "tiny-sd15/tokenizer");
  auto te = load_te(oracle / "tiny-sd15/text_encoder");
  const at::Tensor v = at::randn({2, 32}, at::TensorOptions().dtype(at::kFloat));
  PromptEmbeddings emb(tok, {{"zqxv", "test", v}});
  const auto cat = tok.encode("cat");
  ASSERT_EQ(cat.size(), 1u);
  auto c = tokenize_weighted(tok, "a zqxv cat", ChunkOptions{}, &emb);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c.token_count, 4);  // a, 2 vectors, cat
  EXPECT_EQ(c.ids[0][2], 0);    // placeholders
  EXPECT_EQ(c.ids[0][3], 0);
  EXPECT_EQ(c.ids[0][4], cat[0]);
  EXPECT_EQ(c.ids[0][5], tok.eos_id());
  ASSERT_EQ(c.fixes[0].size(), 1u);
  EXPECT_EQ(c.fixes[0][0].offset, 2);
  // the encoder sees v at positions 2..3: position 1 ("a") is unchanged, later positions differ from "a cat"
  auto out = te.forward(c.ids_tensor(), c.fixes).last_hidden_state;
  auto base = te.forward(tok.encode_batch({"a cat"})).last_hidden_state;
  EXPECT_TRUE(at::allclose(out[0][1], base[0][1], 0, 0));
  EXPECT_FALSE(at::allclose(out[0][4], base[0][2], 1e-3, 1e-3));
  // wrong width is refused naming the source
  PromptEmbeddings wide(tok, {{"zqxv", "wide.safetensors", at::zeros({1, 48})}});
  auto w = tokenize_weighted(tok, "zqxv", ChunkOptions{}, &wide);
  try {
    te.forward(w.ids_tensor(), w.fixes);
    ADD_FAILURE() << "a 48-wide embedding on a 32-wide encoder was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("width 48"), std::string::npos) << e.what();
  }
}

TEST(PromptEmbeddings, AnEmbeddingNeverSplitsAcrossChunks) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto tok = ClipTokenizer::from_folder(oracle / "tiny-sd15/tokenizer");
  PromptEmbeddings emb(tok, {{"zqxv", "test", at::zeros({3, 32})}});
  std::string p;
  for (int i = 0; i < 73; ++i) p += "cat ";
  auto c = tokenize_weighted(tok, p + "zqxv dog", ChunkOptions{0, true}, &emb);  // 73 + 3 > 75: a new chunk
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c.ids[0][74], tok.eos_id());  // BOS + 73 cats + EOS
  EXPECT_TRUE(c.fixes[0].empty());
  ASSERT_EQ(c.fixes[1].size(), 1u);
  EXPECT_EQ(c.fixes[1][0].offset, 1);
  EXPECT_EQ(c.ids[1][4], tok.encode("dog")[0]);
  // comma backtracking moves an embedding with the text after the comma
  std::string q;
  for (int i = 0; i < 70; ++i) q += "cat ";
  auto d = tokenize_weighted(tok, q + ", zqxv dog bird", ChunkOptions{}, &emb);  // 70 + , + 3 + dog = 75, bird: full
  ASSERT_EQ(d.size(), 2u);
  EXPECT_TRUE(d.fixes[0].empty());
  ASSERT_EQ(d.fixes[1].size(), 1u);
  EXPECT_EQ(d.fixes[1][0].offset, 1);
  EXPECT_EQ(d.ids[1][4], tok.encode("dog")[0]);
  EXPECT_EQ(d.ids[1][5], tok.encode("bird")[0]);
}

TEST(PromptEmbeddings, SdxlVectorsGoToTheirEncoders) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto tok1 = ClipTokenizer::from_folder(oracle / "tiny-sdxl/tokenizer");
  auto tok2 = ClipTokenizer::from_folder(oracle / "tiny-sdxl/tokenizer_2");
  auto te1 = load_te(oracle / "tiny-sdxl/text_encoder");
  auto te2 = load_te(oracle / "tiny-sdxl/text_encoder_2");
  PromptEmbeddings e1(tok1, {{"zqxv", "xl", rows_of(te1, tok1, "red")}});  // clip_l
  PromptEmbeddings e2(tok2, {{"zqxv", "xl", rows_of(te2, tok2, "red")}});  // clip_g
  TextConditioner with(TextArch::SDXL, {{&tok1, &te1, &e1}, {&tok2, &te2, &e2}});
  TextConditioner swapped(TextArch::SDXL, {{&tok1, &te1, &e2}, {&tok2, &te2, &e1}});
  TextConditioner plain(TextArch::SDXL, {{&tok1, &te1}, {&tok2, &te2}});
  const auto a = with.encode({"a zqxv car"});
  const auto b = plain.encode({"a red car"});
  EXPECT_TRUE(at::equal(a.context, b.context));
  EXPECT_TRUE(at::equal(a.pooled, b.pooled));
  EXPECT_FALSE(at::equal(swapped.encode({"a zqxv car"}).context, b.context));
}
