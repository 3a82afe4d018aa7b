#include <gtest/gtest.h>

#include "common/test_common.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"
#include "text/clip_text_model.h"

using namespace ripen;
using ripen::text::ClipTextConfig;
using ripen::text::ClipTextModel;
namespace fs = std::filesystem;

namespace {
// On RIPEN_TEST_DEVICE (cpu unless set; tests/gpu/run-on-gpu.sh sets cuda); test::close_to compares on the CPU.
ClipTextModel load(const fs::path& dir, at::TensorOptions opts = at::TensorOptions().dtype(at::kFloat).device(test::device())) {
  auto cfg = ClipTextConfig::from_json(dir / "config.json");
  auto st = SafeTensors::open((dir / "model.safetensors").string());
  auto ps = ParamStore::from_tensors(st.load_all(), st.path(), opts);
  ClipTextModel m;
  m.bind(ps, cfg);
  ps.finish(ClipTextModel::ignored_keys());
  return m;
}
}  // namespace

TEST(ClipTextModel, ConfigFromJson) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto c1 = ClipTextConfig::from_json(oracle / "tiny-sd15/text_encoder/config.json");
  EXPECT_EQ(c1.hidden_size, 32);
  EXPECT_EQ(c1.num_layers, 5);
  EXPECT_EQ(c1.num_heads, 4);
  EXPECT_EQ(c1.intermediate_size, 37);
  EXPECT_EQ(c1.hidden_act, "quick_gelu");
  EXPECT_EQ(c1.eos_token_id, 2);
  EXPECT_FALSE(c1.with_projection);
  auto c2 = ClipTextConfig::from_json(oracle / "tiny-sdxl/text_encoder_2/config.json");
  EXPECT_EQ(c2.hidden_act, "gelu");
  EXPECT_TRUE(c2.with_projection);
  EXPECT_EQ(c2.projection_dim, 32);
  EXPECT_THROW(ClipTextConfig::from_json_text(R"({"hidden_size": 30, "num_attention_heads": 4})", "x.json"), Error);
  EXPECT_THROW(ClipTextConfig::from_json_text(R"({"hidden_act": "relu"})", "x.json"), Error);
  EXPECT_THROW(ClipTextConfig::from_json_text("{", "x.json"), Error);
}

TEST(ClipTextModel, MatchesTransformersSd15) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto m = load(oracle / "tiny-sd15/text_encoder");
  auto ref = SafeTensors::open((oracle / "tiny-sd15/ref/text_encoder.safetensors").string());
  auto out = m.forward(ref.tensor("input_ids").to(test::device()));
  EXPECT_TRUE(test::close_to(out.last_hidden_state, ref.tensor("last_hidden_state")));
  EXPECT_TRUE(test::close_to(out.penultimate_hidden_state, ref.tensor("penultimate_hidden_state")));
  EXPECT_TRUE(test::close_to(out.penultimate_final_ln, ref.tensor("penultimate_final_ln")));
  EXPECT_TRUE(test::close_to(out.pooler_output, ref.tensor("pooler_output")));
  EXPECT_FALSE(out.text_embeds.defined());
  at::Tensor all = ref.tensor("prompt0_all_hidden_states");
  ASSERT_EQ(out.hidden_states.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(test::close_to(out.hidden_states[i][0], all[i])) << "hidden state " << i;
  EXPECT_TRUE(m.clip_skip(out, 1).equal(out.last_hidden_state));
  EXPECT_TRUE(test::close_to(m.clip_skip(out, 2), ref.tensor("penultimate_final_ln")));
  EXPECT_TRUE(test::close_to(m.clip_skip(out, 3), m.final_layer_norm(out.hidden_states[3])));
  EXPECT_THROW(m.clip_skip(out, 6), Error);
}

TEST(ClipTextModel, MatchesTransformersSdxlBothEncoders) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto te1 = load(oracle / "tiny-sdxl/text_encoder");
  auto te2 = load(oracle / "tiny-sdxl/text_encoder_2");  // stored fp16, computed in fp32
  auto ref = SafeTensors::open((oracle / "tiny-sdxl/ref/text_encoders.safetensors").string());
  auto o1 = te1.forward(ref.tensor("tokenizer_input_ids").to(test::device()));
  auto o2 = te2.forward(ref.tensor("tokenizer_2_input_ids").to(test::device()));
  EXPECT_TRUE(test::close_to(o1.penultimate_hidden_state, ref.tensor("te1_penultimate_hidden_state")));
  EXPECT_TRUE(test::close_to(o1.pooler_output, ref.tensor("te1_pooler_output")));
  EXPECT_TRUE(test::close_to(o2.penultimate_hidden_state, ref.tensor("te2_penultimate_hidden_state")));
  EXPECT_TRUE(test::close_to(o2.last_hidden_state, ref.tensor("te2_last_hidden_state")));
  ASSERT_TRUE(o2.text_embeds.defined());
  EXPECT_TRUE(test::close_to(o2.text_embeds, ref.tensor("te2_text_embeds")));
  EXPECT_TRUE(test::close_to(at::cat({o1.penultimate_hidden_state, o2.penultimate_hidden_state}, -1),
                             ref.tensor("prompt_embeds")));
}

TEST(ClipTextModel, RunsInBFloat16) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto m = load(oracle / "tiny-sdxl/text_encoder_2", at::TensorOptions().dtype(at::kBFloat16));
  auto ref = SafeTensors::open((oracle / "tiny-sdxl/ref/text_encoders.safetensors").string());
  auto o = m.forward(ref.tensor("tokenizer_2_input_ids"));
  EXPECT_EQ(o.last_hidden_state.scalar_type(), at::kBFloat16);
  // bf16 keeps ~3 significant digits; 5 layers of it stay within a few percent of the fp32 result.
  EXPECT_TRUE(test::close_to(o.text_embeds.to(at::kFloat), ref.tensor("te2_text_embeds"), 5e-2, 1e-2));
}

TEST(ClipTextModel, RejectsBadInput) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto m = load(oracle / "tiny-sd15/text_encoder", at::TensorOptions().dtype(at::kFloat));
  EXPECT_THROW(m.forward(at::zeros({1, 78}, at::kLong)), Error);
  EXPECT_THROW(m.forward(at::full({1, 5}, 49408, at::kLong)), Error);
  EXPECT_THROW(m.forward(at::zeros({5}, at::kLong)), Error);
}

TEST(ClipTextModel, MissingKeysAreReported) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto cfg = ClipTextConfig::from_json(oracle / "tiny-sdxl/text_encoder_2/config.json");
  auto st = SafeTensors::open((oracle / "tiny-sd15/text_encoder/model.safetensors").string());  // no projection
  auto ps = ParamStore::from_tensors(st.load_all(), st.path());
  ClipTextModel m;
  m.bind(ps, cfg);
  try {
    ps.finish(ClipTextModel::ignored_keys());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("text_projection.weight"), std::string::npos) << e.what();
  }
}

TEST(ClipTextModel, SingleFileCheckpointMatchesToo) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  // LDM layout: HF CLIP keys under cond_stage_model.transformer., stored fp16.
  auto st = SafeTensors::open((oracle / "tiny-sd15-ldm.safetensors").string());
  auto ps = ParamStore::from_tensors(st.load_all(), st.path());
  ClipTextModel m;
  m.bind(ps, ClipTextConfig::from_json(oracle / "tiny-sd15/text_encoder/config.json"), "cond_stage_model.transformer");
  ps.finish({"model.diffusion_model.", "first_stage_model.", "cond_stage_model.transformer.text_model.embeddings.position_ids"});
  auto ref = SafeTensors::open((oracle / "tiny-sd15/ref/text_encoder.safetensors").string());
  auto out = m.forward(ref.tensor("input_ids").to(test::device()));
  EXPECT_TRUE(test::close_to(out.last_hidden_state, ref.tensor("last_hidden_state")));
  EXPECT_TRUE(test::close_to(out.penultimate_hidden_state, ref.tensor("penultimate_hidden_state")));
  EXPECT_TRUE(test::close_to(out.pooler_output, ref.tensor("pooler_output")));
}

TEST(ClipTextModel, RepeatedInputsComeFromTheCacheUntilWeightsChange) {
  ClipTextConfig cfg;
  cfg.vocab_size = 50;
  cfg.hidden_size = 32;
  cfg.num_layers = 2;
  cfg.num_heads = 4;
  cfg.intermediate_size = 64;
  cfg.max_positions = 8;
  auto ps = ParamStore::random(5);
  ClipTextModel m;
  m.bind(ps, cfg);
  ps.finish();
  at::Tensor ids = at::tensor({1, 7, 9, 3, 0, 0}, at::kLong).view({1, 6});
  at::Tensor fresh = m.forward(ids).last_hidden_state;  // grad mode on: never cached
  at::NoGradGuard no_grad;
  auto a = m.forward(ids);
  EXPECT_TRUE(test::close_to(a.last_hidden_state, fresh, 1e-6, 1e-7));
  EXPECT_FALSE(a.last_hidden_state.is_inference());
  a.last_hidden_state.zero_();  // the caller owns its copy: the cached entry is untouched
  auto b = m.forward(ids);
  EXPECT_TRUE(at::equal(b.last_hidden_state, fresh.detach()) || test::close_to(b.last_hidden_state, fresh, 1e-6, 1e-7));
  EXPECT_FALSE(at::equal(m.forward(at::tensor({1, 7, 9, 4, 0, 0}, at::kLong).view({1, 6})).last_hidden_state,
                         b.last_hidden_state));
  // An in-place weight update (optimizer step, EMA swap) invalidates the cached outputs.
  for (auto& [key, t] : ps.params())
    if (key == "text_model.encoder.layers.0.mlp.fc1.weight") t.mul_(-2.0);
  auto c = m.forward(ids);
  at::Tensor expected;
  {
    at::AutoGradMode grad(true);
    expected = m.forward(ids).last_hidden_state.detach();
  }
  EXPECT_FALSE(test::close_to(c.last_hidden_state, b.last_hidden_state, 1e-3, 1e-3));
  EXPECT_TRUE(test::close_to(c.last_hidden_state, expected, 1e-6, 1e-7));
}
