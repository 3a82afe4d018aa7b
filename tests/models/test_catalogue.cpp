// The model catalogue (models/catalogue.h) over an AUTOMATIC1111-style and a ComfyUI-style tree built from the
// tiny oracle models (symlinks) and small synthetic headers: kinds, architectures, refusal marks, problem messages,
// ComfyUI's extra_model_paths.yaml (sections, `|` blocks, bad paths, syntax errors), symlink loops, 200 files' time.
#include <chrono>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "catalogue_tree.h"
#include "common/test_common.h"
#include "models/catalogue.h"
#include "models/extra_model_paths.h"
#include "tensors/safetensors.h"

using namespace ripen;
using namespace ripen::models;
namespace fs = std::filesystem;

using namespace ripen::test::catalogue_tree;

namespace {

const CatalogueEntry* find(const Catalogue& c, ModelKind kind, const std::string& name) {
  for (const auto& e : c.entries)
    if (e.kind == kind && e.name == name) return &e;
  return nullptr;
}

bool has_problem(const Catalogue& c, const std::vector<std::string>& parts) {
  for (const auto& p : c.problems) {
    bool all = true;
    for (const auto& part : parts) all = all && p.find(part) != std::string::npos;
    if (all) return true;
  }
  return false;
}

std::string dump(const Catalogue& c) {
  std::string s;
  for (const auto& e : c.entries)
    s += kind_name(e.kind) + " " + e.name + " [" + e.arch + "] " + e.detail + (e.usable() ? "" : " !! " + e.problem) + "\n";
  for (const auto& p : c.problems) s += "problem: " + p + "\n";
  return s;
}

}  // namespace

TEST(Catalogue, A1111Install) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const fs::path root = test::temp_dir("catalogue_a1111");
  const Catalogue c = scan_catalogue({{make_a1111(oracle, root).string()}, {}, {}});
  SCOPED_TRACE(dump(c));
  if (std::getenv("RIPEN_CATALOGUE_DUMP")) std::printf("%s", dump(c).c_str());

  const auto* ldm = find(c, ModelKind::Checkpoint, "tiny-sd15-ldm.safetensors");
  ASSERT_TRUE(ldm);
  EXPECT_TRUE(ldm->usable());
  EXPECT_EQ(ldm->arch, "sd1");
  EXPECT_EQ(ldm->format, "safetensors");
  EXPECT_GT(ldm->bytes, 1000000);
  const auto* xl = find(c, ModelKind::Checkpoint, "XL/tiny-sdxl");
  ASSERT_TRUE(xl);
  EXPECT_EQ(xl->format, "diffusers");
  EXPECT_EQ(xl->arch, "sdxl");
  EXPECT_TRUE(xl->usable());
  ASSERT_TRUE(find(c, ModelKind::Checkpoint, "tiny-sd15"));
  EXPECT_EQ(find(c, ModelKind::Checkpoint, "tiny-sd15")->arch, "sd1");

  const auto* ckpt = find(c, ModelKind::Checkpoint, "old-model.ckpt");
  ASSERT_TRUE(ckpt);
  EXPECT_EQ(ckpt->format, "pickle");
  EXPECT_EQ(ckpt->problem.rfind("not loadable: pickle", 0), 0u) << ckpt->problem;
  EXPECT_NE(ckpt->problem.find("old-model.ckpt"), std::string::npos);
  const auto* cut = find(c, ModelKind::Checkpoint, "XL/truncated.safetensors");
  ASSERT_TRUE(cut);
  EXPECT_FALSE(cut->usable());
  EXPECT_NE(cut->problem.find("truncated.safetensors"), std::string::npos) << cut->problem;
  EXPECT_FALSE(find(c, ModelKind::Checkpoint, "notes.txt"));
  // The loop is walked once: nothing is listed twice or under XL/loop/.
  EXPECT_EQ(c.of(ModelKind::Checkpoint).size(), 5u);

  const auto* vae = find(c, ModelKind::Vae, "tiny-vae.safetensors");
  ASSERT_TRUE(vae);
  EXPECT_TRUE(vae->usable());
  EXPECT_EQ(vae->arch, "sd1/sd2/sdxl");
  const auto* taesd = find(c, ModelKind::PreviewDecoder, "taesd_decoder.safetensors");
  ASSERT_TRUE(taesd);
  EXPECT_TRUE(taesd->usable()) << taesd->problem;
  EXPECT_EQ(taesd->arch, "sd1/sd2");
  ASSERT_TRUE(find(c, ModelKind::PreviewDecoder, "model.pt"));
  EXPECT_FALSE(find(c, ModelKind::PreviewDecoder, "model.pt")->usable());
  ASSERT_TRUE(find(c, ModelKind::Lora, "style/tiny-kohya.safetensors"));
  EXPECT_TRUE(find(c, ModelKind::Lora, "style/tiny-kohya.safetensors")->usable());
  ASSERT_TRUE(find(c, ModelKind::Embedding, "old-embedding.pt"));
  EXPECT_EQ(find(c, ModelKind::Embedding, "old-embedding.pt")->format, "pickle");
  EXPECT_TRUE(c.problems.empty());
}

TEST(Catalogue, ComfyInstall) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const fs::path root = test::temp_dir("catalogue_comfy");
  const Catalogue c = scan_catalogue({{make_comfy(oracle, root).string()}, {}, {}});
  SCOPED_TRACE(dump(c));
  ASSERT_TRUE(find(c, ModelKind::Checkpoint, "tiny-sd15-ldm.safetensors"));
  struct Want {
    ModelKind kind;
    const char* name;
    const char* arch;
    bool usable;
    const char* says;  // in detail (usable) or problem
  };
  const Want wants[] = {
      {ModelKind::Unet, "tiny-sdxl-unet-ldm.safetensors", "sdxl", true, "label_emb"},
      {ModelKind::Unet, "tiny-sdxl-unet-diffusers.safetensors", "sdxl", true, "add_embedding"},
      {ModelKind::Unet, "tiny-sd15-unet.safetensors", "", true, "cross-attention width 32"},
      {ModelKind::Unet, "sd1-shaped.safetensors", "sd1", true, "cross-attention width 768"},
      {ModelKind::Unet, "sd2-shaped.safetensors", "sd2", true, "cross-attention width 1024"},
      {ModelKind::Unet, "flux-shaped.safetensors", "", false, "Flux"},
      {ModelKind::Unet, "quantized.gguf", "", false, "not loadable: GGUF"},
      {ModelKind::Vae, "flux-ae.safetensors", "", false, "16-channel"},
      {ModelKind::Vae, "sdxl-vae.safetensors", "sd1/sd2/sdxl", true, "4 latent channels"},
      {ModelKind::PreviewDecoder, "taesdxl_decoder.safetensors", "sdxl", true, "TAESD decoder"},
      {ModelKind::PreviewDecoder, "taesd_encoder.safetensors", "", false, "encoder only"},
      {ModelKind::PreviewDecoder, "taesd3_decoder.safetensors", "", false, "16-channel"},
      {ModelKind::Lora, "tiny-sdxl-kohya.safetensors", "", true, "tensors"},
      {ModelKind::Embedding, "tiny-embedding.safetensors", "", true, "1 tensors"},
  };
  for (const Want& w : wants) {
    const auto* e = find(c, w.kind, w.name);
    ASSERT_TRUE(e) << w.name;
    EXPECT_EQ(e->arch, w.arch) << w.name;
    EXPECT_EQ(e->usable(), w.usable) << w.name;
    EXPECT_NE((w.usable ? e->detail : e->problem).find(w.says), std::string::npos) << w.name;
  }
  EXPECT_TRUE(c.problems.empty());
}

TEST(Catalogue, RootsThatAreNotInstalls) {
  const fs::path root = test::temp_dir("catalogue_roots");
  fs::create_directories(root / "empty");
  const Catalogue c = scan_catalogue({{(root / "missing").string(), (root / "empty").string()}, {},
                                      {(root / "no-models").string()}});
  EXPECT_TRUE(c.entries.empty());
  EXPECT_TRUE(has_problem(c, {(root / "missing").string(), "does not exist"}));
  EXPECT_TRUE(has_problem(c, {(root / "empty").string(), "neither an AUTOMATIC1111 nor a ComfyUI install"}));
  EXPECT_TRUE(has_problem(c, {(root / "no-models").string(), "model folder does not exist"}));
}

TEST(Catalogue, UnreadableFolderIsAProblem) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every folder";
  const fs::path root = test::temp_dir("catalogue_perm");
  tensors(root / "models/checkpoints/locked/x.safetensors", {{"a", {1}}});
  fs::permissions(root / "models/checkpoints/locked", fs::perms::none);
  const Catalogue c = scan_catalogue({{root.string()}, {}, {}});
  fs::permissions(root / "models/checkpoints/locked", fs::perms::owner_all);
  EXPECT_TRUE(c.entries.empty());
  EXPECT_TRUE(has_problem(c, {"locked", "cannot list"})) << dump(c);
}

TEST(Catalogue, ExtraModelPathsYaml) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const fs::path root = test::temp_dir("catalogue_yaml");
  make_a1111(oracle, root);
  make_comfy(oracle, root);
  const fs::path yaml = root / "comfy/extra_model_paths.yaml";
  write(yaml,
        "#config for a1111 ui\n"
        "a1111:\n"
        "    base_path: ../a1111/   # relative to this file's folder\n"
        "\n"
        "    checkpoints: models/Stable-diffusion\n"
        "    configs: models/Stable-diffusion\n"
        "    vae: models/VAE\n"
        "    loras: |\n"
        "         models/Lora\n"
        "         models/LyCORIS\n"
        "    embeddings: embeddings\n"
        "comfyui:\n"
        "     base_path: '" + (root / "comfy").string() + "'\n"
        "     is_default: true\n"
        "     diffusion_models: \"models/diffusion_models\"\n"
        "     vae_approx: models/vae_approx/\n"
        "     controlnet: models/controlnet\n"
        "gone:\n"
        "    base_path: /nonexistent/ripen-test\n"
        "    checkpoints: models/checkpoints\n"
        "broken:\n"
        "    base_path: ../a1111\n"
        "   checkpoints: models/Stable-diffusion\n");
  const fs::path bad = root / "bad.yaml";
  write(bad, "other:\n  base_path: \"/unterminated\n  vae: x\n");

  const Catalogue c = scan_catalogue({{}, {yaml.string(), bad.string(), (root / "none.yaml").string()}, {}});
  SCOPED_TRACE(dump(c));
  EXPECT_TRUE(find(c, ModelKind::Checkpoint, "tiny-sd15-ldm.safetensors"));
  EXPECT_TRUE(find(c, ModelKind::Checkpoint, "XL/tiny-sdxl"));
  EXPECT_TRUE(find(c, ModelKind::Vae, "tiny-vae.safetensors"));
  EXPECT_TRUE(find(c, ModelKind::Lora, "style/tiny-kohya.safetensors"));  // from the `|` block's first line
  EXPECT_TRUE(find(c, ModelKind::Embedding, "old-embedding.pt"));
  EXPECT_TRUE(find(c, ModelKind::Unet, "tiny-sdxl-unet-diffusers.safetensors"));
  EXPECT_TRUE(find(c, ModelKind::PreviewDecoder, "taesdxl_decoder.safetensors"));
  EXPECT_FALSE(find(c, ModelKind::Unet, "tiny-sdxl-unet-ldm.safetensors"));  // models/unet is not listed there
  // The block's second line names a folder that is missing; controlnet (not Ripen's) is not checked.
  EXPECT_TRUE(has_problem(c, {yaml.string() + ":8:", "'a1111'", "'loras'", "a1111/models/LyCORIS", "does not exist"}));
  EXPECT_FALSE(has_problem(c, {"controlnet"}));
  EXPECT_TRUE(has_problem(c, {yaml.string() + ":19:", "'gone'", "base_path", "/nonexistent/ripen-test", "does not exist"}));
  EXPECT_TRUE(has_problem(c, {yaml.string() + ":23:", "'broken'", "indentation"}));
  EXPECT_TRUE(has_problem(c, {bad.string() + ":2:", "'other'", "unterminated"}));
  EXPECT_TRUE(has_problem(c, {(root / "none.yaml").string(), "does not exist"}));
  EXPECT_EQ(c.problems.size(), 5u);
}

TEST(ExtraModelPaths, ReaderDetails) {
  const fs::path root = test::temp_dir("extra_paths_reader");
  fs::create_directories(root / "base");
  const fs::path f = root / "x.yaml";
  write(f,
        "---\n"
        "s:\n"
        "  base_path: base\n"
        "  checkpoints: |-\n"
        "    a\n"
        "\n"
        "    /abs/b\n"
        "  vae: 'it''s'  # comment\n"
        "empty:\n"
        "folded:\n"
        "  base_path: base\n"
        "  loras: >\n"
        "    a\n"
        "list:\n"
        "  loras:\n"
        "    - a\n"
        "tabs:\n"
        "\tvae: a\n"
        "after:\n"
        "  base_path: base\n"
        "stray line\n"
        "  embeddings: e\n");
  const ExtraModelPaths p = read_extra_model_paths(f.string());
  ASSERT_EQ(p.paths.size(), 3u);  // 'after' holds no path: the stray line's error swallows its indented lines
  EXPECT_EQ(p.paths[0].path, (root / "base/a").string());
  EXPECT_EQ(p.paths[0].kind, "checkpoints");
  EXPECT_EQ(p.paths[0].origin, f.string() + ":4");
  EXPECT_EQ(p.paths[1].path, "/abs/b");
  EXPECT_EQ(p.paths[2].path, (root / "base/it's").string());
  ASSERT_EQ(p.problems.size(), 4u) << p.problems.front();
  EXPECT_NE(p.problems[0].find(":12: section 'folded': a folded block"), std::string::npos) << p.problems[0];
  EXPECT_NE(p.problems[1].find(":16: section 'list': 'loras' holds a nested block"), std::string::npos) << p.problems[1];
  EXPECT_NE(p.problems[2].find(":18: section 'tabs': tab in the indentation"), std::string::npos) << p.problems[2];
  EXPECT_NE(p.problems[3].find(":21: expected 'name:' starting a section"), std::string::npos) << p.problems[3];
}

TEST(Catalogue, TwoHundredCheckpointsReadHeadersOnly) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const fs::path root = test::temp_dir("catalogue_200");
  const fs::path dir = root / "models/checkpoints";
  // Hard links: 200 distinct paths (symlinks to one file are one model to the catalogue) without 200 copies.
  fs::create_directories(root / "src");
  fs::copy_file(oracle / "tiny-sd15-ldm.safetensors", root / "src/m.safetensors");
  for (int i = 0; i < 200; ++i) {
    const std::string stem = dir.string() + "/sub" + std::to_string(i % 10) + "/m" + std::to_string(i);
    fs::create_directories(fs::path(stem).parent_path());
    fs::create_hard_link(root / "src/m.safetensors", stem + ".safetensors");
    link(oracle / "tiny-sd15-ldm.yaml", stem + ".yaml");
  }
  const auto t0 = std::chrono::steady_clock::now();
  const Catalogue c = scan_catalogue({{root.string()}, {}, {}});
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(c.entries.size(), 200u);
  for (const auto& e : c.entries) EXPECT_TRUE(e.usable()) << e.problem;
  std::printf("200 checkpoints scanned in %.2f s\n", s);
  EXPECT_LT(s, 10.0);
}

// SDXL-Lightning's UNet-only file put among the checkpoints: listed there, not usable, and the reason says what it is.
TEST(Catalogue, AUnetOnlyFileAmongCheckpointsSaysSo) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  const fs::path dir = test::temp_dir("catalogue_misplaced");
  fs::create_symlink(oracle / "wave2/unet-only/tiny-sdxl-unet-ldm.safetensors", dir / "sdxl_lightning_4step_unet.safetensors");
  const Catalogue c = scan_catalogue({{}, {}, {dir.string()}});
  const auto* e = find(c, ModelKind::Checkpoint, "sdxl_lightning_4step_unet.safetensors");
  ASSERT_TRUE(e) << dump(c);
  EXPECT_FALSE(e->usable());
  EXPECT_EQ(e->arch, "sdxl");
  EXPECT_NE(e->problem.find("a UNet-only file"), std::string::npos) << e->problem;
  EXPECT_NE(e->problem.find("sdxl_lightning_4step_unet.safetensors"), std::string::npos) << e->problem;
}
