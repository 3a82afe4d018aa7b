// Peak resident memory while loading a large single-file checkpoint (not a ctest; run by
// tests/models/bench_load_rss.sh):
//   bench_load_rss make OUT.safetensors     a random full-size SD 1.5 in the A1111/LDM layout, fp16 (~2.1 GB)
//   bench_load_rss make-sdxl BASE UNET      a random full-size SDXL base (LDM layout, fp16, ~6.9 GB) and a separate
//                                           SDXL-Lightning-shaped UNet-only file (diffusers names, fp16, ~5.1 GB)
//   bench_load_rss load FILE [fp16|fp32]    load_model on the CPU; prints JSON with peak RSS (VmHWM) and time
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "models/ldm_export.h"
#include "models/model.h"
#include "tensors/safetensors.h"

using namespace ripen;

static int64_t status_kb(const std::string& field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  return -1;
}

// Random fp16 weights of one network, from its own declaration (`bind` declares them in the store).
template <typename Bind>
static std::map<std::string, at::Tensor> random_weights(uint64_t seed, Bind bind) {
  auto ps = ParamStore::random(seed, at::TensorOptions().dtype(at::kHalf));
  bind(ps);
  return ps.param_map();
}

static std::map<std::string, at::Tensor> random_clip(uint64_t seed, const text::ClipTextConfig& config) {
  return random_weights(seed, [&](ParamStore& ps) { text::ClipTextModel().bind(ps, config); });
}

static std::map<std::string, at::Tensor> random_unet(uint64_t seed, const UNetConfig& config) {
  return random_weights(seed, [&](ParamStore& ps) { UNet2DCondition::bind(ps, config); });
}

static std::map<std::string, at::Tensor> random_vae(uint64_t seed, const VaeConfig& config) {
  return random_weights(seed, [&](ParamStore& ps) { AutoencoderKL::bind(ps, config); });
}

// The SDXL base's components, and the UNet again under another seed as the UNet-only file a user would download
// (sdxl_lightning_4step_unet.safetensors has diffusers names).
static int make_sdxl(const std::string& base_path, const std::string& unet_path) {
  save_safetensors(unet_path, random_unet(11, UNetConfig::sdxl()), {{"format", "pt"}});
  text::ClipTextConfig g;  // OpenCLIP ViT-bigG/14 text tower, with its projection
  g.hidden_size = 1280;
  g.num_layers = 32;
  g.num_heads = 20;
  g.intermediate_size = 5120;
  g.hidden_act = "gelu";
  g.with_projection = true;
  g.projection_dim = 1280;
  models::ComponentWeights w{{"unet", random_unet(1, UNetConfig::sdxl())},
                             {"vae", random_vae(2, VaeConfig::sdxl())},
                             {"text_encoder", random_clip(3, text::ClipTextConfig{})},  // CLIP ViT-L/14
                             {"text_encoder_2", random_clip(4, g)}};
  save_safetensors(base_path, models::to_ldm_checkpoint(models::Arch::SDXL, w));
  std::cout << "wrote " << base_path << " and " << unet_path << "\n";
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: bench_load_rss make OUT | make-sdxl BASE UNET | load FILE [fp16|fp32]\n";
    return 2;
  }
  std::string mode = argv[1], path = argv[2];
  if (mode == "make-sdxl" && argc > 3) return make_sdxl(path, argv[3]);
  if (mode == "make") {
    models::ComponentWeights w{{"unet", random_unet(1, UNetConfig::sd15())},
                               {"vae", random_vae(2, VaeConfig::sd())},
                               {"text_encoder", random_clip(3, text::ClipTextConfig{})}};  // CLIP ViT-L/14
    save_safetensors(path, models::to_ldm_checkpoint(models::Arch::SD1, w));
    std::cout << "wrote " << path << "\n";
    return 0;
  }
  std::string dname = argc > 3 ? argv[3] : "fp32";
  at::ScalarType dtype = dname == "fp16" ? at::kHalf : dname == "bf16" ? at::kBFloat16 : at::kFloat;
  int64_t file_bytes = static_cast<int64_t>(std::filesystem::file_size(path));
  int64_t before = status_kb("VmHWM");
  auto t0 = std::chrono::steady_clock::now();
  models::LoadOptions o;
  o.dtype = dtype;
  o.compute_hash = false;
  auto m = models::load_model(path, o);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int64_t peak_after_load = status_kb("VmHWM");
  // Touch every weight (zero-copy views cost no memory until read): one tiny forward pass per network.
  // (Not for fp16 on the CPU: torch 1.13 has no fp16 layer_norm there; fp16 stays zero-copy, so its resident
  // weights can only ever be the file's pages.)
  if (dtype != at::kHalf) {
    at::NoGradGuard ng;
    auto ids = m.tokenizer->encode_batch({"a photo"});
    auto h = m.text_encoder->forward(ids).last_hidden_state;
    auto opts = at::TensorOptions().dtype(m.unet->dtype());
    m.unet->forward(at::randn({1, 4, 8, 8}).to(opts), at::full({1}, 500.0), h.to(opts));
    m.vae->decode(at::randn({1, 4, 8, 8}).to(m.vae->dtype()));
    auto img = at::randn({1, 3, 64, 64}).to(m.vae->dtype());
    m.vae->encode(img);
  }
  nlohmann::json j = {{"file", path},
                      {"file_gb", file_bytes / 1e9},
                      {"dtype", dname},
                      {"weights_in_memory_gb", (dtype == at::kFloat ? 2 * file_bytes : file_bytes) / 1e9},
                      {"peak_rss_during_load_gb", peak_after_load / 1e6},
                      {"peak_rss_after_running_every_network_gb", status_kb("VmHWM") / 1e6},
                      {"rss_before_load_gb", before / 1e6},
                      {"rss_after_load_gb", status_kb("VmRSS") / 1e6},
                      {"load_seconds", secs}};
  std::cout << j.dump() << "\n";
  return 0;
}
