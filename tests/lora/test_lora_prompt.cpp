// One generation's networks and embeddings (lora/request_networks.h, lora/embedding_file.h) with the tiny oracle
// models: prompt tags + request.networks resolved to files and hashes, embedding files from the embeddings folder
// conditioning exactly as the words they copy (SD1 and SDXL, through encode_conditioning), and the refusals.
#include <filesystem>
#include <fstream>

#include "common/test_common.h"
#include "lora/embedding_file.h"
#include "lora/network_hash.h"
#include "lora/request_networks.h"
#include "models/model.h"
#include "pipeline/stage_condition.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

using namespace ripen;
using namespace ripen::lora;
namespace fs = std::filesystem;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

at::Tensor rows_of(const text::ClipTextModel& te, const text::TokenEncoder& tok, const std::string& words) {
  return te.embedding_weight().index_select(0, at::tensor(tok.encode(words), at::kLong)).clone();
}

const models::LoadedModel& sd15(const fs::path& oracle) {
  static const models::LoadedModel m = models::load_model((oracle / "tiny-sd15").string());
  return m;
}
const models::LoadedModel& sdxl(const fs::path& oracle) {
  static const models::LoadedModel m = models::load_model((oracle / "tiny-sdxl").string());
  return m;
}

Conditioning condition(const models::LoadedModel& m, const GenerationRequest& r, NetworkResolver& resolver) {
  const PreparedPrompt p = prepare_networks(r, resolver);
  return encode_conditioning(m, r, PromptText{p.prompt, p.negative_prompt, model_prompt_embeddings(m, p, resolver)});
}

GenerationRequest request(const std::string& prompt, const std::string& negative = "") {
  GenerationRequest r;
  r.prompt = prompt;
  r.negative_prompt = negative;
  return r;
}

}  // namespace

TEST(LoraPrompt, Sd1EmbeddingFileConditionsAsTheWords) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const auto& m = sd15(oracle);
  const fs::path dir = test::temp_dir("lora_prompt_sd1");
  fs::create_directories(dir / "embeddings/neg");
  save_safetensors((dir / "embeddings/ZqxvStyle.safetensors").string(),
                   {{"emb_params", rows_of(*m.text_encoder, *m.tokenizer, "red apple")}});
  save_safetensors((dir / "embeddings/neg/blurneg.safetensors").string(),
                   {{"emb_params", rows_of(*m.text_encoder, *m.tokenizer, "blurry")[0]}});  // [C]: one vector
  NetworkFolders f;
  f.embeddings = {(dir / "embeddings").string()};
  NetworkResolver resolver(f);
  const Conditioning a = condition(m, request("a zqxvstyle on a table", "blurneg, dark"), resolver);
  const Conditioning b = encode_conditioning(m, request("a red apple on a table", "blurry, dark"));
  EXPECT_TRUE(at::equal(a.ctx_both, b.ctx_both));
  const Conditioning c = condition(m, request("a embedding:neg/blurneg table"), resolver);
  EXPECT_TRUE(at::equal(c.ctx_cond, encode_conditioning(m, request("a blurry table")).ctx_cond));

  // refusals: a used pickle, a wrong width (an SD2 embedding here), an SDXL file on SD1, an unknown embedding:NAME
  std::ofstream(dir / "embeddings/oldpickle.pt") << "PK";
  save_safetensors((dir / "embeddings/widething.safetensors").string(), {{"emb_params", at::zeros({2, 1024})}});
  save_safetensors((dir / "embeddings/xlthing.safetensors").string(),
                   {{"clip_l", at::zeros({1, 32})}, {"clip_g", at::zeros({1, 32})}});
  NetworkResolver again(f);
  const std::string pickle = error_of([&] { condition(m, request("oldpickle"), again); });
  EXPECT_NE(pickle.find("oldpickle.pt"), std::string::npos) << pickle;
  EXPECT_NE(pickle.find("runs"), std::string::npos) << pickle;
  const std::string wide = error_of([&] { condition(m, request("a widething"), again); });
  EXPECT_NE(wide.find("widething.safetensors: key 'emb_params'"), std::string::npos) << wide;
  EXPECT_NE(wide.find("[2, 1024]"), std::string::npos) << wide;
  EXPECT_NE(wide.find("[n, 32]"), std::string::npos) << wide;
  const std::string xl = error_of([&] { condition(m, request("xlthing"), again); });
  EXPECT_NE(xl.find("SDXL embedding"), std::string::npos) << xl;
  const std::string missing = error_of([&] { condition(m, request("embedding:nosuch"), again); });
  EXPECT_NE(missing.find("embedding 'nosuch' not found"), std::string::npos) << missing;
  // a prompt that names none of them opens none of them
  EXPECT_TRUE(at::equal(condition(m, request("a cat"), again).ctx_cond, encode_conditioning(m, request("a cat")).ctx_cond));
}

TEST(LoraPrompt, SdxlClipLAndClipGGoToTheirEncoders) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const auto& m = sdxl(oracle);
  const fs::path dir = test::temp_dir("lora_prompt_sdxl");
  fs::create_directories(dir / "emb");
  save_safetensors((dir / "emb/zqxv.safetensors").string(),
                   {{"clip_l", rows_of(*m.text_encoder, *m.tokenizer, "red")},
                    {"clip_g", rows_of(*m.text_encoder_2, *m.tokenizer_2, "red")}});
  save_safetensors((dir / "emb/swapped.safetensors").string(),
                   {{"clip_l", rows_of(*m.text_encoder_2, *m.tokenizer_2, "red")},
                    {"clip_g", rows_of(*m.text_encoder, *m.tokenizer, "red")}});
  save_safetensors((dir / "emb/sd1only.safetensors").string(), {{"emb_params", at::zeros({1, 32})}});
  NetworkFolders f;
  f.embeddings = {(dir / "emb").string()};
  NetworkResolver resolver(f);
  const Conditioning a = condition(m, request("a zqxv car"), resolver);
  const Conditioning b = encode_conditioning(m, request("a red car"));
  EXPECT_TRUE(at::equal(a.ctx_cond, b.ctx_cond));
  EXPECT_TRUE(at::equal(a.added_cond.text_embeds, b.added_cond.text_embeds));
  EXPECT_FALSE(at::equal(condition(m, request("a swapped car"), resolver).ctx_cond, b.ctx_cond));
  const std::string sd1 = error_of([&] { condition(m, request("sd1only"), resolver); });
  EXPECT_NE(sd1.find("key 'emb_params'"), std::string::npos) << sd1;
  EXPECT_NE(sd1.find("clip_l"), std::string::npos) << sd1;
}

TEST(LoraPrompt, NetworksResolvedFromTagsAndRequest) {
  const fs::path dir = test::temp_dir("lora_prompt_resolve");
  models::HashCache cache(dir / "hashes.json");
  auto lora = [](const fs::path& p, float v) {
    fs::create_directories(p.parent_path());
    save_safetensors(p.string(), {{"lora_unet_x.lora_down.weight", at::full({2, 2}, v)}});
  };
  lora(dir / "loras/ink.safetensors", 1);
  lora(dir / "loras/sub/wc.safetensors", 2);
  lora(dir / "other/direct.safetensors", 3);
  NetworkFolders f;
  f.lora = {(dir / "loras").string()};
  NetworkResolver resolver(f, &cache);
  GenerationRequest r = request("a cat <lora:ink:0.7> <hypernet:x:1>");
  NetworkRef direct;
  direct.path = (dir / "other/direct.safetensors").string();
  direct.te = 0.5;
  direct.unet = 0.25;
  r.networks = {direct};
  const PreparedPrompt p = prepare_networks(r, resolver);
  EXPECT_EQ(p.prompt, "a cat  ");
  ASSERT_EQ(p.networks.size(), 2u);
  EXPECT_EQ(p.networks[0].name, "ink");
  EXPECT_EQ(p.networks[0].path, (dir / "loras/ink.safetensors").string());
  EXPECT_EQ(p.networks[0].te, 0.7);
  EXPECT_EQ(p.networks[0].hash, network_hash(p.networks[0].path, cache).short_hash);
  EXPECT_EQ(p.networks[0].hash.size(), 12u);
  EXPECT_EQ(p.networks[1].name, "direct");
  EXPECT_EQ(p.networks[1].unet, 0.25);
  ASSERT_EQ(p.notes.size(), 1u);
  EXPECT_NE(p.notes[0].find("<hypernet:x:1>"), std::string::npos);

  // a file added after the first scan is found (rescan on a miss)
  lora(dir / "loras/late.safetensors", 4);
  EXPECT_EQ(prepare_networks(request("<lora:late:1>"), resolver).networks.at(0).name, "late");
  // an imported name whose file was renamed: found by its hash, with a note
  NetworkRef renamed;
  renamed.name = "watercolour";
  renamed.hash = network_hash((dir / "loras/sub/wc.safetensors").string(), cache).short_hash;
  std::vector<std::string> notes;
  const NetworkRef got = resolver.resolve(renamed, &notes);
  EXPECT_EQ(got.path, (dir / "loras/sub/wc.safetensors").string());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("found by its hash"), std::string::npos) << notes[0];
  // not found anywhere: the message names NAME and the folder
  const std::string missing = error_of([&] { prepare_networks(request("<lora:nosuch:1>"), resolver); });
  EXPECT_NE(missing.find("'nosuch' not found"), std::string::npos) << missing;
  EXPECT_NE(missing.find((dir / "loras").string()), std::string::npos) << missing;
  const std::string bad = error_of([&] { prepare_networks(request("<lora:ink:strong>"), resolver); });
  EXPECT_NE(bad.find("<lora:ink:strong>"), std::string::npos) << bad;
}
