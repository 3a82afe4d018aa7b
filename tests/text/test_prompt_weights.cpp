#include <gtest/gtest.h>

#include "common/test_common.h"
#include "text/prompt_weights.h"

using namespace ripen::text;

namespace {
std::vector<WeightedSpan> P(std::string_view s) { return parse_prompt_weights(s); }
WeightedSpan S(std::string t, double w) { return {std::move(t), w, false}; }
const WeightedSpan kBreak{"", -1.0, true};
}  // namespace

TEST(PromptWeights, Parser) {
  EXPECT_EQ(P("a red apple"), (std::vector<WeightedSpan>{S("a red apple", 1)}));
  EXPECT_EQ(P(""), (std::vector<WeightedSpan>{S("", 1)}));
  EXPECT_EQ(P("a (b) c"), (std::vector<WeightedSpan>{S("a ", 1), S("b", 1.1), S(" c", 1)}));
  EXPECT_EQ(P("(a:1.5) [b]"), (std::vector<WeightedSpan>{S("a", 1.5), S(" ", 1), S("b", 1 / 1.1)}));
  EXPECT_EQ(P("((a)) [[b]]"), (std::vector<WeightedSpan>{S("a", 1.1 * 1.1), S(" ", 1), S("b", 1 / 1.1 / 1.1)}));
  EXPECT_EQ(P("(a (b:2) c)"), (std::vector<WeightedSpan>{S("a ", 1.1), S("b", 2 * 1.1), S(" c", 1.1)}));
  EXPECT_EQ(P("(a: -0.5 )"), (std::vector<WeightedSpan>{S("a", -0.5)}));
  EXPECT_EQ(P("\\(a\\) \\[b\\] c\\\\d"), (std::vector<WeightedSpan>{S("(a) [b] c\\d", 1)}));
  EXPECT_EQ(P("a\\b"), (std::vector<WeightedSpan>{S("ab", 1)}));  // a lone backslash is dropped
  EXPECT_EQ(P("(unclosed [also"), (std::vector<WeightedSpan>{S("unclosed ", 1.1), S("also", 1.1 / 1.1)}));
  EXPECT_EQ(P("a) b] c:d :1.2)"), (std::vector<WeightedSpan>{S("a) b] c:d :1.2)", 1)}));
  EXPECT_EQ(P("x (y:bad)"), (std::vector<WeightedSpan>{S("x ", 1), S("y:bad", 1.1)}));
  EXPECT_EQ(P("(y:1.2.3)"), (std::vector<WeightedSpan>{S("y:1.2.3", 1.1)}));
  EXPECT_EQ(P("a BREAK b"), (std::vector<WeightedSpan>{S("a", 1), kBreak, S("b", 1)}));
  EXPECT_EQ(P("BREAKFAST (x BREAK y)"),
            (std::vector<WeightedSpan>{S("BREAKFAST ", 1), S("x", 1.1), kBreak, S("y", 1.1)}));
  EXPECT_EQ(parse_prompt_weights("a BREAK b", false), (std::vector<WeightedSpan>{S("a BREAK b", 1)}));
}

TEST(PromptWeights, UnweightedShortPromptEqualsPlainTokenizer) {
  auto tok = ClipTokenizer::bundled();
  for (std::string p : {"a red apple on a white table", "", "Hello, World!!! done?!"}) {
    auto chunks = tokenize_weighted(tok, p);
    ASSERT_EQ(chunks.size(), 1u);
    EXPECT_EQ(chunks.ids[0], tok.encode_padded(p)) << p;
    EXPECT_TRUE(chunks.all_weights_one());
  }
}

TEST(PromptWeights, WeightsFollowTokens) {
  auto tok = ClipTokenizer::bundled();
  auto c = tokenize_weighted(tok, "(cat:1.5) [dog]");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c.token_count, 2);
  EXPECT_EQ(std::vector<int64_t>(c.ids[0].begin(), c.ids[0].begin() + 4), (std::vector<int64_t>{49406, 2368, 1929, 49407}));
  EXPECT_FLOAT_EQ(c.weights[0][0], 1.0f);
  EXPECT_FLOAT_EQ(c.weights[0][1], 1.5f);
  EXPECT_FLOAT_EQ(c.weights[0][2], float(1 / 1.1));
  EXPECT_FLOAT_EQ(c.weights[0][3], 1.0f);
  auto w = c.weights_tensor();
  EXPECT_EQ(w.sizes(), (std::vector<int64_t>{1, 77}));
}

TEST(PromptWeights, LongPromptsChunkAt75) {
  auto tok = ClipTokenizer::bundled();
  std::string p;
  for (int i = 0; i < 100; ++i) p += "cat ";
  auto c = tokenize_weighted(tok, p);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c.token_count, 100);
  for (int j = 1; j <= 75; ++j) ASSERT_EQ(c.ids[0][j], 2368);
  EXPECT_EQ(c.ids[0][76], 49407);
  EXPECT_EQ(c.ids[1][0], 49406);
  for (int j = 1; j <= 25; ++j) ASSERT_EQ(c.ids[1][j], 2368);
  EXPECT_EQ(c.ids[1][26], 49407);
  EXPECT_EQ(c.ids_tensor().sizes(), (std::vector<int64_t>{2, 77}));

  // A BREAK starts a new chunk.
  auto b = tokenize_weighted(tok, "cat BREAK dog");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b.ids[0][1], 2368);
  EXPECT_EQ(b.ids[0][2], 49407);
  EXPECT_EQ(b.ids[1][1], 1929);

  // Comma backtrack: the words after the last comma move to the next chunk.
  std::string q;
  for (int i = 0; i < 70; ++i) q += "cat ";
  q += ", ";
  for (int i = 0; i < 10; ++i) q += "dog ";
  auto d = tokenize_weighted(tok, q);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.ids[0][71], 267);    // the comma ends chunk 1
  EXPECT_EQ(d.ids[0][72], 49407);
  for (int j = 1; j <= 10; ++j) EXPECT_EQ(d.ids[1][j], 1929);
  auto e = tokenize_weighted(tok, q, ChunkOptions{0, true});
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e.ids[0][75], 1929);  // no backtrack: cut exactly at 75

  // Lining up cond and uncond.
  auto u = tokenize_weighted(tok, "");
  u.pad_to(2, tok);
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u.ids[1], tok.encode_padded(""));
}

TEST(PromptWeights, ApplyRestoresMean) {
  at::manual_seed(0);
  at::Tensor z = at::randn({2, 77, 8}) + 0.5;
  at::Tensor w = at::ones({2, 77});
  EXPECT_TRUE(apply_prompt_weights(z, w).equal(z));
  w.index_put_({0, 3}, 1.5);
  w.index_put_({1, 5}, 0.8);
  at::Tensor out = apply_prompt_weights(z, w);
  for (int b = 0; b < 2; ++b) EXPECT_NEAR(out[b].mean().item<double>(), z[b].mean().item<double>(), 1e-6);
  at::Tensor scaled = z * w.unsqueeze(-1);
  at::Tensor expect = scaled * (z.mean({1, 2}, true) / scaled.mean({1, 2}, true));
  EXPECT_TRUE(ripen::test::close_to(out, expect, 1e-6, 1e-7));
}
