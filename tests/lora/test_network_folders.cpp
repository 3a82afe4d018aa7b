// The networks panel's listing (lora/network_folders.h): folders from A1111 / ComfyUI installs and
// extra_model_paths.yaml, trigger words, base-model hints, previews, and NAME -> file with its error messages.
#include <filesystem>
#include <fstream>

#include "common/test_common.h"
#include "lora/network_folders.h"
#include "lora/network_metadata.h"
#include "models/catalogue.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

using namespace ripen;
using namespace ripen::lora;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

void lora_file(const fs::path& p, const std::map<std::string, std::string>& meta = {},
               const std::string& first_key = "lora_unet_down_blocks_0_attentions_0_proj_in") {
  fs::create_directories(p.parent_path());
  save_safetensors(p.string(), {{first_key + ".lora_down.weight", at::zeros({4, 8})},
                                {first_key + ".lora_up.weight", at::zeros({8, 4})}}, meta);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const NetworkInfo* by_relative(const NetworkListing& l, const std::string& rel) {
  for (const auto& n : l.networks)
    if (n.relative == rel) return &n;
  return nullptr;
}

struct Tree {
  fs::path root, a1111, comfy, extra, yaml;
  Tree() {
    root = test::temp_dir("lora_folders");
    a1111 = root / "a1111";
    comfy = root / "ComfyUI";
    extra = root / "shared-loras";
    fs::create_directories(a1111 / "models/Stable-diffusion");
    fs::create_directories(comfy / "models/checkpoints");
    lora_file(a1111 / "models/Lora/ink.safetensors",
              {{"ss_output_name", "ink_style_v2"},
               {"ss_base_model_version", "sd_v1"},
               {"ss_tag_frequency", R"({"10_ink": {"ink": 3, " monochrome ": 7}, "5_other": {"ink": 5, "sketch": 1}})"}});
    write(a1111 / "models/Lora/ink.preview.png", "png");
    lora_file(a1111 / "models/Lora/styles/watercolor.safetensors",
              {{"modelspec.architecture", "stable-diffusion-xl-v1-base/lora"},
               {"modelspec.trigger_phrase", "wtrclr style"},
               {"modelspec.title", "Watercolor"}});
    write(a1111 / "models/Lora/styles/watercolor.jpg", "jpg");
    lora_file(a1111 / "models/LyCORIS/loha-thing.safetensors", {}, "lora_te2_text_model_encoder_layers_0_mlp_fc1");
    write(a1111 / "models/Lora/old.pt", "PK\x03\x04");
    lora_file(comfy / "models/loras/ink.safetensors");  // same stem as A1111's
    lora_file(comfy / "models/loras/chars/hero.safetensors");
    lora_file(extra / "extra-one.safetensors");
    yaml = root / "extra_model_paths.yaml";
    write(yaml, "shared:\n  base_path: " + root.string() + "\n  loras: shared-loras\n  embeddings: |\n    nowhere\n");
  }
  models::CatalogueRoots roots() const { return {{a1111.string(), comfy.string()}, {yaml.string()}, {}}; }
};

}  // namespace

TEST(NetworkFolders, FromRootsListsA1111ComfyAndExtraFolders) {
  Tree t;
  const NetworkFolders f = NetworkFolders::from_roots(t.roots());
  ASSERT_EQ(f.lora.size(), 4u);
  EXPECT_EQ(f.lora[0], (t.a1111 / "models/Lora").string());
  EXPECT_EQ(f.lora[1], (t.a1111 / "models/LyCORIS").string());
  EXPECT_EQ(f.lora[2], (t.comfy / "models/loras").string());
  EXPECT_EQ(fs::path(f.lora[3]).lexically_normal(), t.extra.lexically_normal());
  bool nowhere = false;  // the yaml's missing embeddings folder is a problem naming it
  for (const auto& p : f.problems) nowhere = nowhere || p.find("nowhere") != std::string::npos;
  EXPECT_TRUE(nowhere);
}

TEST(NetworkFolders, ListingCarriesMetadataPreviewAndArch) {
  Tree t;
  const NetworkFolders f = NetworkFolders::from_roots(t.roots());
  const NetworkListing l = list_networks(f, NetworkKind::Lora);
  ASSERT_EQ(l.networks.size(), 7u);

  const NetworkInfo* ink = by_relative(l, "ink.safetensors");
  ASSERT_TRUE(ink);
  EXPECT_EQ(ink->name, "ink");
  EXPECT_EQ(ink->alias, "ink_style_v2");
  EXPECT_EQ(ink->arch, "sd1");
  EXPECT_EQ(ink->base_model, "sd_v1");
  EXPECT_EQ(ink->preview, (t.a1111 / "models/Lora/ink.preview.png").string());
  EXPECT_GT(ink->bytes, 0);
  // ink 3+5 = 8 beats monochrome 7 (stripped) beats sketch 1
  EXPECT_EQ(ink->tags, (std::vector<TagCount>{{"ink", 8}, {"monochrome", 7}, {"sketch", 1}}));

  const NetworkInfo* wc = by_relative(l, "styles/watercolor.safetensors");
  ASSERT_TRUE(wc);
  EXPECT_EQ(wc->arch, "sdxl");
  EXPECT_EQ(wc->trigger_phrase, "wtrclr style");
  EXPECT_EQ(wc->title, "Watercolor");
  EXPECT_EQ(wc->base_model, "stable-diffusion-xl-v1-base/lora");
  EXPECT_EQ(wc->preview, (t.a1111 / "models/Lora/styles/watercolor.jpg").string());

  const NetworkInfo* loha = by_relative(l, "loha-thing.safetensors");
  ASSERT_TRUE(loha);
  EXPECT_EQ(loha->arch, "sdxl");  // no metadata: lora_te2_ keys
  EXPECT_EQ(loha->preview, "");

  const NetworkInfo* old = by_relative(l, "old.pt");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->format, "pickle");
  EXPECT_NE(old->problem.find("runs"), std::string::npos) << old->problem;
}

TEST(NetworkFolders, FindByPathStemAlias) {
  Tree t;
  const NetworkFolders f = NetworkFolders::from_roots(t.roots());
  const NetworkListing l = list_networks(f, NetworkKind::Lora);
  EXPECT_EQ(find_network(l, f, NetworkKind::Lora, "watercolor").path,
            (t.a1111 / "models/Lora/styles/watercolor.safetensors").string());
  EXPECT_EQ(find_network(l, f, NetworkKind::Lora, "styles/watercolor").name, "watercolor");
  EXPECT_EQ(find_network(l, f, NetworkKind::Lora, "chars/hero.safetensors").name, "hero");
  EXPECT_EQ(find_network(l, f, NetworkKind::Lora, "ink_style_v2").path, (t.a1111 / "models/Lora/ink.safetensors").string());
  EXPECT_EQ(find_network(l, f, NetworkKind::Lora, "extra-one").name, "extra-one");

  const std::string ambiguous = error_of([&] { find_network(l, f, NetworkKind::Lora, "ink"); });
  EXPECT_NE(ambiguous.find("'ink' is ambiguous"), std::string::npos) << ambiguous;
  EXPECT_NE(ambiguous.find((t.a1111 / "models/Lora/ink.safetensors").string()), std::string::npos) << ambiguous;
  EXPECT_NE(ambiguous.find((t.comfy / "models/loras/ink.safetensors").string()), std::string::npos) << ambiguous;

  const std::string missing = error_of([&] { find_network(l, f, NetworkKind::Lora, "nosuch"); });
  EXPECT_NE(missing.find("LoRA 'nosuch' not found"), std::string::npos) << missing;
  for (const auto& folder : f.lora) EXPECT_NE(missing.find(folder), std::string::npos) << missing;

  const std::string pickle = error_of([&] { find_network(l, f, NetworkKind::Lora, "old"); });
  EXPECT_NE(pickle.find("pickle"), std::string::npos) << pickle;

  const std::string none = error_of([&] { find_network({}, {}, NetworkKind::Lora, "ink"); });
  EXPECT_NE(none.find("no LoRA folders are configured"), std::string::npos) << none;
}

TEST(NetworkMetadata, CaptionsAreSplitIntoWordsAsA1111Does) {
  // average tag length >= 16: captions, counted per word of 3+ characters
  const std::map<std::string, std::string> m = {
      {"ss_tag_frequency", R"({"a": {"a girl with red hair, smiling": 2, "red hair under the moon": 3}})"}};
  const auto tags = trigger_tags(m);
  ASSERT_GE(tags.size(), 3u);
  EXPECT_EQ(tags[0], (TagCount{"red", 5}));
  EXPECT_EQ(tags[1], (TagCount{"hair", 5}));
  EXPECT_EQ(tags[2], (TagCount{"under", 3}));  // "girl"/"with"/"smiling" 2; "a" dropped (< 3)
  for (const auto& t : tags) EXPECT_GE(t.tag.size(), 3u);
  EXPECT_TRUE(trigger_tags({{"ss_tag_frequency", "{not json"}}).empty());
  EXPECT_TRUE(trigger_tags({}).empty());
}

TEST(NetworkMetadata, ArchFromMetadata) {
  EXPECT_EQ(arch_from_metadata({{"ss_base_model_version", "sdxl_base_v1-0"}}), "sdxl");
  EXPECT_EQ(arch_from_metadata({{"ss_v2", "True"}}), "sd2");
  EXPECT_EQ(arch_from_metadata({{"ss_network_dim", "4"}}), "sd1");
  EXPECT_EQ(arch_from_metadata({{"modelspec.architecture", "stable-diffusion-v2-768-v/lora"}}), "sd2");
  EXPECT_EQ(arch_from_metadata({{"format", "pt"}}), "");
}

TEST(NetworkFolders, WaveTwoFixturesList) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  NetworkFolders f;
  f.lora = {(oracle / "wave2/lora").string()};
  const NetworkListing l = list_networks(f, NetworkKind::Lora);
  const NetworkInfo* xl = by_relative(l, "tiny-sdxl-kohya.safetensors");
  ASSERT_TRUE(xl);
  EXPECT_EQ(xl->arch, "sdxl");
  const NetworkInfo* sd = by_relative(l, "tiny-sd15-kohya.safetensors");
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->arch, "sd1");
}
