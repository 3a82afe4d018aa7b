// Step previews: a model's own latent->RGB factors (the embedded model's JSON, architecture defaults otherwise),
// and TAESD previews (random weights beside a copy of tiny-sd15) on the steps the schedule says, at a measured cost.
#include <gtest/gtest.h>

#include <fstream>

#include "common/test_common.h"
#include "models/model.h"
#include "nets/taesd.h"
#include "pipeline/pipeline.h"
#include "tensors/error.h"
#include "tensors/params.h"
#include "tensors/safetensors.h"

using namespace ripen;
namespace fs = std::filesystem;

namespace {
void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

// Random TAESD decoder weights in diffusers' AutoencoderTiny layout.
void write_taesd(const fs::path& dir) {
  fs::create_directories(dir);
  ParamStore ps = ParamStore::random(3);
  Taesd::bind(ps, TaesdConfig{}, false, true);
  save_safetensors((dir / "diffusion_pytorch_model.safetensors").string(), ps.param_map());
}

// tiny-sd15's components linked into a fresh folder, so files can sit beside them.
fs::path linked_tiny_sd15(const fs::path& oracle, const std::string& tag) {
  fs::path dir = test::temp_dir(tag) / "tiny-sd15";
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(oracle / "tiny-sd15"))
    fs::create_symlink(fs::absolute(e.path()), dir / e.path().filename());
  return dir;
}

GenerationRequest fast_request(const fs::path& model) {
  GenerationRequest r;
  r.model = model.string();
  r.prompt = "a red apple on a white table";
  r.seed = 7;
  r.width = 64;
  r.height = 96;
  r.preset = Preset::Fast;
  return r;
}
}  // namespace

TEST(Preview, EmbeddedModelCarriesItsOwnFactors) {
  const fs::path emb = test::source_dir() / "resources" / "models" / "ripen-emoji";
  std::string source;
  LatentRgbFactors f = models::model_latent_rgb_factors(emb.string(), models::Arch::SD1, 4, &source);
  EXPECT_EQ(source, (emb / "latent_rgb_factors.json").string());
  ASSERT_EQ(f.weight.sizes(), (std::vector<int64_t>{4, 3}));
  // Values of the shipped file, not SD1's table.
  EXPECT_NEAR(f.weight[0][0].item<double>(), -0.5427584741532988, 1e-6);
  EXPECT_NEAR(f.weight[3][2].item<double>(), -0.4104187308331998, 1e-6);
  EXPECT_NEAR(f.bias[2].item<double>(), 0.805410432725164, 1e-6);
  EXPECT_FALSE(at::allclose(f.weight, latent_rgb_factors("sd1").weight));
  EXPECT_THROW(models::model_latent_rgb_factors(emb.string(), models::Arch::SD1, 16), Error);  // channel check
}

TEST(Preview, ArchitectureDefaultsAndBadFiles) {
  fs::path dir = test::temp_dir("preview_factors");
  std::string source;
  auto sd = models::model_latent_rgb_factors(dir.string(), models::Arch::SD2, 4, &source);
  EXPECT_EQ(source, "sd1 defaults");
  EXPECT_TRUE(at::equal(sd.weight, latent_rgb_factors("sd1").weight));
  auto xl = models::model_latent_rgb_factors(dir.string(), models::Arch::SDXL, 4, &source);
  EXPECT_EQ(source, "sdxl defaults");
  EXPECT_TRUE(at::equal(xl.bias, latent_rgb_factors("sdxl").bias));

  write(dir / "latent_rgb_factors.json", R"({"factors": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "bias": [0.5, 0, 0]})");
  auto three = models::model_latent_rgb_factors(dir.string(), models::Arch::SD1, 3);
  EXPECT_TRUE(at::equal(three.weight, at::eye(3, at::kFloat)));
  EXPECT_EQ(three.bias[0].item<float>(), 0.5f);
  // latent_to_rgb with these factors: channel c -> colour c, plus the bias, mapped from [-1, 1] to [0, 1].
  at::Tensor z = at::rand({2, 3, 4, 5}) * 2 - 1;
  at::Tensor rgb = latent_to_rgb(z, three);
  at::Tensor want = z.clone();
  want.select(1, 0).add_(0.5);
  EXPECT_TRUE(at::allclose(rgb, ((want + 1) / 2).clamp(0, 1), 1e-6, 1e-6));

  write(dir / "latent_rgb_factors.json", R"({"factors": [[1, 0], [0, 1]]})");
  EXPECT_THROW(models::model_latent_rgb_factors(dir.string(), models::Arch::SD1, 2), Error);
  write(dir / "latent_rgb_factors.json", "{not json");
  try {
    models::model_latent_rgb_factors(dir.string(), models::Arch::SD1, 4);
    FAIL() << "malformed JSON accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("latent_rgb_factors.json"), std::string::npos) << e.what();
  }
}

TEST(Preview, FindsTaesdBesideModels) {
  fs::path dir = test::temp_dir("preview_find");
  fs::create_directories(dir / "model");
  EXPECT_TRUE(models::find_taesd((dir / "model").string(), models::Arch::SD1).empty());
  write_taesd(dir / "model" / "vae_approx");
  EXPECT_EQ(models::find_taesd((dir / "model").string(), models::Arch::SD1),
            std::vector<std::string>{(dir / "model" / "vae_approx").string()});
  write_taesd(dir / "model" / "taesd");  // taesd/ wins over vae_approx/
  EXPECT_EQ(models::find_taesd((dir / "model").string(), models::Arch::SD1),
            std::vector<std::string>{(dir / "model" / "taesd").string()});
  // Single files: ComfyUI's vae_approx/ beside them, the part file named for the architecture.
  write(dir / "model.safetensors", "");
  fs::create_directories(dir / "vae_approx");
  fs::copy_file(dir / "model" / "taesd" / "diffusion_pytorch_model.safetensors",
                dir / "vae_approx" / "taesdxl_decoder.safetensors");
  EXPECT_TRUE(models::find_taesd((dir / "model.safetensors").string(), models::Arch::SD1).empty());
  EXPECT_EQ(models::find_taesd((dir / "model.safetensors").string(), models::Arch::SDXL),
            std::vector<std::string>{(dir / "vae_approx" / "taesdxl_decoder.safetensors").string()});
  EXPECT_THROW(models::load_taesd_decoder({(dir / "model" / "taesd").string()}, 16, at::kFloat), Error);
}

TEST(Preview, TaesdOnEveryNthStepLatentMapOtherwise) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  fs::path model = linked_tiny_sd15(oracle, "preview_taesd_every");
  write_taesd(model / "taesd");

  Pipeline plain;  // no TAESD: the model folder without it
  PipelineOptions o;
  o.taesd_every = 3;
  Pipeline p(o);
  ASSERT_TRUE(p.model(model.string())->taesd.has_value());
  EXPECT_FALSE(plain.model((oracle / "tiny-sd15").string())->taesd.has_value());
  std::vector<StepEvent> ev;
  GenerationResult r = p.generate(fast_request(model), [&](const StepEvent& e) { ev.push_back(e); });
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(int(ev.size()), r.record.steps_used + 1);  // + decode
  int taesd = 0;
  for (int i = 0; i < r.record.steps_used; ++i) {
    const StepEvent& e = ev[size_t(i)];
    const bool want = e.step % 3 == 0 && e.step < r.record.steps_used;  // never on the last step (VAE follows)
    EXPECT_EQ(e.preview_taesd, want) << "step " << e.step;
    taesd += e.preview_taesd;
    // TAESD decodes 8x (64x96 here), the linear map gives one pixel per latent (8x12).
    EXPECT_EQ(e.preview.width, want ? 64 : 8) << "step " << e.step;
    EXPECT_EQ(e.preview.height, want ? 96 : 12) << "step " << e.step;
    EXPECT_EQ(e.preview.rgb.size(), size_t(e.preview.width) * e.preview.height * 3);
  }
  EXPECT_EQ(taesd, r.taesd_previews);
  EXPECT_GT(r.seconds_preview_taesd, 0);
  // Previews only show: the controller scores the linear map either way, so the result is the same.
  GenerationResult base = plain.generate(fast_request(oracle / "tiny-sd15"));
  ASSERT_TRUE(base.ok()) << base.error;
  EXPECT_EQ(base.record.steps_used, r.record.steps_used);
  EXPECT_TRUE(at::equal(base.latents, r.latents));
  EXPECT_EQ(base.taesd_previews, 0);
}

TEST(Preview, AutomaticTaesdScheduleKeepsItsBudget) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  fs::path dir = test::temp_dir("preview_taesd_auto");
  write_taesd(dir / "taesd");
  PipelineOptions o;
  o.taesd_path = (dir / "taesd").string();  // explicit path, model folder untouched
  Pipeline p(o);
  for (int run = 0; run < 2; ++run) {  // the second run starts with the first run's decode time as its estimate
    std::vector<StepEvent> ev;
    GenerationResult r = p.generate(fast_request(oracle / "tiny-sd15"), [&](const StepEvent& e) { ev.push_back(e); });
    ASSERT_TRUE(r.ok()) << r.error;
    const double sampling = r.record.seconds_sampling - r.seconds_preview_taesd;
    const double per_decode = r.taesd_previews ? r.seconds_preview_taesd / r.taesd_previews : 0;
    std::printf("run %d: %d steps, %d TAESD previews, %.2f ms per decode, TAESD %.2f%% of sampling, all previews "
                "%.2f%% of sampling\n",
                run, r.record.steps_used, r.taesd_previews, per_decode * 1e3, 100 * r.seconds_preview_taesd / sampling,
                100 * r.seconds_preview / sampling);
    // Within the budget, give or take the one decode that measured the cost in the first run.
    EXPECT_LE(r.seconds_preview_taesd, o.taesd_budget * sampling + (run == 0 ? per_decode : 0.0));
    int shown = 0;
    for (const auto& e : ev) shown += e.preview_taesd;
    EXPECT_EQ(shown, r.taesd_previews);
    if (run == 0) EXPECT_TRUE(ev.front().preview_taesd);  // cost unknown: the first step measures it
  }
  // -1 turns TAESD off.
  o.taesd_every = -1;
  Pipeline off(o);
  GenerationResult r = off.generate(fast_request(oracle / "tiny-sd15"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.taesd_previews, 0);
}
