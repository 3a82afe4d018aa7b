// Where a model's step-preview helpers come from: latent->RGB factors and TAESD weights beside it.
#include <filesystem>

#include "models/model.h"
#include "tensors/error.h"
#include "tensors/json_file.h"

namespace fs = std::filesystem;

namespace ripen::models {

LatentRgbFactors model_latent_rgb_factors(const std::string& model_path, Arch arch, int64_t channels,
                                          std::string* source) {
  const fs::path file = fs::path(model_path) / "latent_rgb_factors.json";
  if (!fs::is_directory(model_path) || !fs::exists(file)) {
    const std::string name = arch == Arch::SDXL ? "sdxl" : "sd1";
    if (source) *source = name + " defaults";
    return latent_rgb_factors(name);
  }
  const nlohmann::json j = read_json_file(file);
  auto bad = [&](const std::string& why) { return Error(file.string() + ": " + why); };
  if (!j.contains("factors") || !j["factors"].is_array() || j["factors"].empty())
    throw bad("needs \"factors\": [[r, g, b] per latent channel]");
  const auto& rows = j["factors"];
  if (channels > 0 && int64_t(rows.size()) != channels)
    throw bad("has " + std::to_string(rows.size()) + " factor rows, the model's latents have " +
              std::to_string(channels) + " channels");
  LatentRgbFactors f{at::zeros({int64_t(rows.size()), 3}, at::kFloat), at::zeros({3}, at::kFloat)};
  auto w = f.weight.accessor<float, 2>();
  for (size_t c = 0; c < rows.size(); ++c) {
    if (!rows[c].is_array() || rows[c].size() != 3 || !rows[c][0].is_number() || !rows[c][1].is_number() ||
        !rows[c][2].is_number())
      throw bad("factor row " + std::to_string(c) + " is not [r, g, b]");
    for (int k = 0; k < 3; ++k) w[int64_t(c)][k] = rows[c][k].get<float>();
  }
  if (j.contains("bias")) {
    const auto& b = j["bias"];
    if (!b.is_array() || b.size() != 3 || !b[0].is_number() || !b[1].is_number() || !b[2].is_number())
      throw bad("\"bias\" is not [r, g, b]");
    auto bias = f.bias.accessor<float, 1>();
    for (int k = 0; k < 3; ++k) bias[k] = b[k].get<float>();
  }
  if (source) *source = file.string();
  return f;
}

std::vector<std::string> find_taesd(const std::string& model_path, Arch arch) {
  const std::string part = arch == Arch::SDXL ? "taesdxl_decoder.safetensors" : "taesd_decoder.safetensors";
  std::vector<fs::path> dirs;
  if (fs::is_directory(model_path)) {
    dirs = {fs::path(model_path) / "taesd", fs::path(model_path) / "vae_approx"};
  } else {
    dirs = {fs::path(model_path).parent_path() / "vae_approx"};
  }
  for (const auto& d : dirs) {
    if (!fs::is_directory(d)) continue;
    if (fs::is_directory(model_path) && fs::exists(d / "diffusion_pytorch_model.safetensors")) return {d.string()};
    if (fs::exists(d / part)) return {(d / part).string()};
  }
  return {};
}

Taesd load_taesd_decoder(const std::vector<std::string>& paths, int64_t channels, at::TensorOptions options) {
  Taesd t = load_taesd(paths, options);
  std::string names;
  for (const auto& p : paths) names += (names.empty() ? "" : " + ") + p;
  if (!t.has_decoder()) throw Error(names + ": TAESD weights without a decoder");
  if (channels > 0 && t.config().latent_channels != channels)
    throw Error(names + ": TAESD decoder takes " + std::to_string(t.config().latent_channels) +
                "-channel latents, the model's have " + std::to_string(channels));
  return t;
}

}  // namespace ripen::models
