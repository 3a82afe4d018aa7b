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
std::vector<std::string> oracle_prompts(const fs::path& oracle) {
  return {"a red apple on a white table", "", "   Multiple    SPACES\tand\ttabs\nNEW\r\nLINES   MiXeD CaSe UPPER lower   "};
}
}  // namespace

TEST(TextConditioner, Sd1MatchesDiffusersAndClipSkip) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto tok = ClipTokenizer::from_folder(oracle / "tiny-sd15/tokenizer");
  auto te = load_te(oracle / "tiny-sd15/text_encoder");
  auto ref = SafeTensors::open((oracle / "tiny-sd15/ref/text_encoder.safetensors").string());
  TextConditioner cond(TextArch::SD1, {{&tok, &te}});
  // Oracle prompts 0, 4, 5 (no weighting syntax, <= 75 tokens).
  std::vector<std::string> prompts = oracle_prompts(oracle);
  at::Tensor rows = at::tensor({0, 4, 5}, at::kLong);
  auto c = cond.encode(prompts);
  EXPECT_FALSE(c.pooled.defined());
  EXPECT_TRUE(test::close_to(c.context, ref.tensor("last_hidden_state").index_select(0, rows)));
  ConditioningOptions skip2;
  skip2.clip_skip = 2;
  EXPECT_TRUE(test::close_to(cond.encode(prompts, skip2).context, ref.tensor("penultimate_final_ln").index_select(0, rows)));

  // SD1 negative "" is encoded, not zeros; long prompts make 2 chunks for both halves.
  std::string long_prompt;
  for (int i = 0; i < 80; ++i) long_prompt += "cat ";
  auto [pos, neg] = cond.encode_pair({long_prompt}, {""});
  EXPECT_EQ(pos.context.sizes(), (std::vector<int64_t>{1, 154, 32}));
  EXPECT_EQ(neg.context.sizes(), (std::vector<int64_t>{1, 154, 32}));
  EXPECT_TRUE(test::close_to(neg.context.narrow(1, 0, 77), ref.tensor("last_hidden_state")[4].unsqueeze(0)));
  EXPECT_TRUE(test::close_to(neg.context.narrow(1, 77, 77), ref.tensor("last_hidden_state")[4].unsqueeze(0)));
  // The first chunk of a long prompt is its first 75 tokens encoded alone.
  auto first = te.forward(tok.encode_batch({long_prompt})).last_hidden_state;
  EXPECT_TRUE(test::close_to(pos.context.narrow(1, 0, 77), first, 1e-6, 1e-6));
}

TEST(TextConditioner, WeightsChangeOnlyWeightedTokensDirection) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto tok = ClipTokenizer::from_folder(oracle / "tiny-sd15/tokenizer");
  auto te = load_te(oracle / "tiny-sd15/text_encoder");
  TextConditioner cond(TextArch::SD1, {{&tok, &te}});
  auto plain = cond.encode({"a red apple"}).context;
  auto weighted = cond.encode({"a (red:1.5) apple"}).context;
  // Same tokens; z*w then rescaled to the original mean.
  at::Tensor w = at::ones({1, 77});
  w.index_put_({0, 2}, 1.5);
  EXPECT_TRUE(test::close_to(weighted, apply_prompt_weights(plain, w), 1e-6, 1e-6));
  EXPECT_FALSE(test::close_to(weighted, plain, 1e-3, 0));
  ConditioningOptions literal;
  literal.parse_weights = false;
  auto lit = cond.encode({"a (red:1.5) apple"}, literal).context;
  EXPECT_EQ(lit.size(1), 77);
  EXPECT_FALSE(test::close_to(lit, plain, 1e-3, 0));  // brackets and number are tokens now
}

TEST(TextConditioner, SdxlMatchesDiffusers) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto tok1 = ClipTokenizer::from_folder(oracle / "tiny-sdxl/tokenizer");
  auto tok2 = ClipTokenizer::from_folder(oracle / "tiny-sdxl/tokenizer_2");
  auto te1 = load_te(oracle / "tiny-sdxl/text_encoder");
  auto te2 = load_te(oracle / "tiny-sdxl/text_encoder_2");
  auto ref = SafeTensors::open((oracle / "tiny-sdxl/ref/text_encoders.safetensors").string());
  TextConditioner cond(TextArch::SDXL, {{&tok1, &te1}, {&tok2, &te2}});
  at::Tensor rows = at::tensor({0, 4, 5}, at::kLong);
  auto [pos, neg] = cond.encode_pair(oracle_prompts(oracle), {"", "", ""});
  EXPECT_TRUE(test::close_to(pos.context, ref.tensor("prompt_embeds").index_select(0, rows)));
  EXPECT_TRUE(test::close_to(pos.pooled, ref.tensor("te2_text_embeds").index_select(0, rows)));
  EXPECT_EQ(neg.context.sizes(), pos.context.sizes());
  EXPECT_EQ(neg.context.abs().max().item<float>(), 0.0f);
  EXPECT_EQ(neg.pooled.abs().max().item<float>(), 0.0f);
  // A written negative prompt is encoded.
  auto [p2, n2] = cond.encode_pair({"a red apple on a white table"}, {"a red apple on a white table"});
  EXPECT_TRUE(n2.context.equal(p2.context));
  EXPECT_TRUE(n2.pooled.equal(p2.pooled));
  EXPECT_THROW(cond.encode_pair({"a"}, {"b", "c"}), Error);
}
