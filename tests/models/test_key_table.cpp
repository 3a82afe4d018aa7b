// The LDM <-> diffusers key table, generated from the topology, checked against the oracle's two layouts of
// the same weights: every LDM tensor maps to exactly the diffusers tensor with the same values, and back.
#include <set>

#include "common/test_common.h"
#include "models/key_table.h"
#include "tensors/safetensors.h"

using namespace ripen;
using namespace ripen::models;

namespace {
std::set<std::string> keyset(const SafeTensors& st) {
  auto k = st.keys();
  return {k.begin(), k.end()};
}
}  // namespace

TEST(KeyTable, TopologyOfOracleLdmFile) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto ldm = SafeTensors::open((oracle / "tiny-sd15-ldm.safetensors").string());
  auto keys = keyset(ldm);
  auto u = UNetTopology::from_ldm_keys(keys);
  EXPECT_EQ(u.levels, 2);
  EXPECT_EQ(u.layers_per_block, 2);
  EXPECT_EQ(u.down_attn, (std::vector<bool>{false, true}));
  EXPECT_EQ(u.up_attn, (std::vector<bool>{true, false}));
  EXPECT_TRUE(u.mid_attn);
  EXPECT_FALSE(u.add_embedding);
  auto v = VaeTopology::from_ldm_keys(keys);
  EXPECT_EQ(v.levels, 4);
  EXPECT_EQ(v.layers_per_block, 1);
  auto folder = SafeTensors::open((oracle / "tiny-sd15/unet/diffusion_pytorch_model.safetensors").string());
  auto ud = UNetTopology::from_diffusers_keys(keyset(folder));
  EXPECT_EQ(ud.levels, u.levels);
  EXPECT_EQ(ud.layers_per_block, u.layers_per_block);
  EXPECT_EQ(ud.down_attn, u.down_attn);
  EXPECT_EQ(ud.up_attn, u.up_attn);
}

TEST(KeyTable, OracleLdmFileMapsOntoFolderExactly) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto ldm = SafeTensors::open((oracle / "tiny-sd15-ldm.safetensors").string());
  auto keys = keyset(ldm);
  KeyTable table;
  table.add_unet(UNetTopology::from_ldm_keys(keys));
  table.add_vae(VaeTopology::from_ldm_keys(keys));
  table.add_text({TextLayout::HfClip, "cond_stage_model.transformer.text_model.", 0, 0, false}, "text_encoder");

  std::map<std::string, SafeTensors> folder;
  folder.emplace("unet", SafeTensors::open((oracle / "tiny-sd15/unet/diffusion_pytorch_model.safetensors").string()));
  folder.emplace("vae", SafeTensors::open((oracle / "tiny-sd15/vae/diffusion_pytorch_model.safetensors").string()));
  folder.emplace("text_encoder", SafeTensors::open((oracle / "tiny-sd15/text_encoder/model.safetensors").string()));

  std::map<std::string, std::set<std::string>> produced;
  for (const auto& k : keys) {
    auto mapped = table.to_diffusers(k);
    ASSERT_EQ(mapped.size(), 1u) << "no rule for " << k;
    const auto& m = mapped[0];
    ASSERT_TRUE(folder.at(m.component).contains(m.key)) << k << " -> " << m.component << ":" << m.key;
    EXPECT_TRUE(produced[m.component].insert(m.key).second) << "two LDM keys map to " << m.key;
    auto a = ldm.tensor(k).to(at::kFloat);
    auto b = folder.at(m.component).tensor(m.key);
    EXPECT_TRUE(at::equal(a.reshape(b.sizes()), b)) << k << " -> " << m.key;
    auto back = table.to_ldm(m.component, m.key);
    ASSERT_TRUE(back) << m.key;
    EXPECT_EQ(back->key, k);
  }
  for (const auto& [comp, st] : folder) {
    size_t expected = 0;
    for (const auto& k : st.keys())
      if (k.find("position_ids") == std::string::npos) ++expected;
    EXPECT_EQ(produced[comp].size(), expected) << comp;
  }
}

TEST(KeyTable, SD15FullSizeTopologyMatchesTheConversionScriptLayout) {
  // SD1's real UNet: 4 levels, 2 resnets, attention on the first three down levels / last three up blocks.
  UNetTopology t{4, 2, {true, true, true, false}, {false, true, true, true}, true, true, false};
  KeyTable table;
  table.add_unet(t);
  auto ldm = [&](const std::string& d) { return table.to_ldm("unet", d)->key; };
  // Spot values from diffusers' convert_diffusers_to_original_stable_diffusion.py tables for SD1.
  EXPECT_EQ(ldm("down_blocks.0.resnets.0.conv1.weight"), "model.diffusion_model.input_blocks.1.0.in_layers.2.weight");
  EXPECT_EQ(ldm("down_blocks.1.attentions.1.proj_in.weight"), "model.diffusion_model.input_blocks.5.1.proj_in.weight");
  EXPECT_EQ(ldm("down_blocks.2.downsamplers.0.conv.bias"), "model.diffusion_model.input_blocks.9.0.op.bias");
  EXPECT_EQ(ldm("down_blocks.3.resnets.1.time_emb_proj.weight"), "model.diffusion_model.input_blocks.11.0.emb_layers.1.weight");
  EXPECT_EQ(ldm("up_blocks.0.upsamplers.0.conv.weight"), "model.diffusion_model.output_blocks.2.1.conv.weight");
  EXPECT_EQ(ldm("up_blocks.1.upsamplers.0.conv.weight"), "model.diffusion_model.output_blocks.5.2.conv.weight");
  EXPECT_EQ(ldm("up_blocks.3.attentions.2.transformer_blocks.0.attn2.to_k.weight"),
            "model.diffusion_model.output_blocks.11.1.transformer_blocks.0.attn2.to_k.weight");
  EXPECT_EQ(ldm("up_blocks.3.resnets.2.conv_shortcut.weight"), "model.diffusion_model.output_blocks.11.0.skip_connection.weight");
  EXPECT_EQ(ldm("mid_block.resnets.1.norm2.weight"), "model.diffusion_model.middle_block.2.out_layers.0.weight");
  EXPECT_EQ(ldm("conv_norm_out.bias"), "model.diffusion_model.out.0.bias");
}

TEST(KeyTable, OpenClipSplitsFusedAttentionAndTransposesProjection) {
  KeyTable table;
  table.add_text({TextLayout::OpenClip, "conditioner.embedders.1.model.", 32, 32, true}, "text_encoder_2");
  auto q = table.to_diffusers("conditioner.embedders.1.model.transformer.resblocks.31.attn.in_proj_weight");
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].key, "text_model.encoder.layers.31.self_attn.q_proj.weight");
  EXPECT_EQ(q[2].key, "text_model.encoder.layers.31.self_attn.v_proj.weight");
  EXPECT_EQ(q[1].transform, Transform::Chunk3);
  EXPECT_EQ(q[1].chunk, 1);
  auto b = table.to_diffusers("conditioner.embedders.1.model.transformer.resblocks.0.attn.in_proj_bias");
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[1].key, "text_model.encoder.layers.0.self_attn.k_proj.bias");
  auto p = table.to_diffusers("conditioner.embedders.1.model.text_projection");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].key, "text_projection.weight");
  EXPECT_EQ(p[0].transform, Transform::Transpose);
  EXPECT_EQ(table.to_diffusers("conditioner.embedders.1.model.positional_embedding")[0].key,
            "text_model.embeddings.position_embedding.weight");
  EXPECT_EQ(table.to_diffusers("conditioner.embedders.1.model.transformer.resblocks.3.mlp.c_fc.bias")[0].key,
            "text_model.encoder.layers.3.mlp.fc1.bias");
  EXPECT_EQ(table.to_diffusers("conditioner.embedders.1.model.ln_final.weight")[0].key, "text_model.final_layer_norm.weight");
  EXPECT_TRUE(table.to_diffusers("conditioner.embedders.1.model.logit_scale").empty());
  auto back = table.to_ldm("text_encoder_2", "text_model.encoder.layers.5.self_attn.v_proj.bias");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->key, "conditioner.embedders.1.model.transformer.resblocks.5.attn.in_proj_bias");
  EXPECT_EQ(back->chunk, 2);
  // SD2 drops the last block (conditioning on the penultimate layer, as diffusers does).
  KeyTable sd2;
  sd2.add_text({TextLayout::OpenClip, "cond_stage_model.model.", 24, 23, false}, "text_encoder");
  EXPECT_TRUE(sd2.to_diffusers("cond_stage_model.model.transformer.resblocks.23.ln_1.weight").empty());
  EXPECT_FALSE(sd2.to_diffusers("cond_stage_model.model.transformer.resblocks.22.ln_1.weight").empty());
  EXPECT_TRUE(sd2.to_diffusers("cond_stage_model.model.text_projection").empty());
}
