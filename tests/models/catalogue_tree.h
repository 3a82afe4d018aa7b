#pragma once
// An AUTOMATIC1111-style and a ComfyUI-style install, built in a folder from symlinks to the tiny oracle models and
// small synthetic safetensors headers (shared by tests/models/test_catalogue.cpp and tests/ui/test_ui_catalogue.cpp).
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tensors/safetensors.h"

namespace ripen::test::catalogue_tree {
namespace fs = std::filesystem;

inline void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

inline void link(const fs::path& target, const fs::path& at) {
  fs::create_directories(at.parent_path());
  if (fs::is_directory(target)) fs::create_directory_symlink(target, at);
  else fs::create_symlink(target, at);
}

// A safetensors file holding zero tensors of these shapes (headers are all the catalogue reads).
inline void tensors(const fs::path& p, const std::vector<std::pair<std::string, std::vector<int64_t>>>& shapes) {
  std::map<std::string, at::Tensor> t;
  for (const auto& [k, s] : shapes) t[k] = at::zeros(s);
  fs::create_directories(p.parent_path());
  save_safetensors(p.string(), t);
}

// <root>/a1111: the A1111 layout. Returns the install folder.
inline fs::path make_a1111(const fs::path& oracle, const fs::path& root) {
  const fs::path sd = root / "a1111/models/Stable-diffusion";
  link(oracle / "tiny-sd15-ldm.safetensors", sd / "tiny-sd15-ldm.safetensors");
  link(oracle / "tiny-sd15-ldm.yaml", sd / "tiny-sd15-ldm.yaml");
  link(oracle / "tiny-sdxl", sd / "XL/tiny-sdxl");
  link(oracle / "tiny-sd15", sd / "tiny-sd15");
  write(sd / "old-model.ckpt", "PK\x03\x04 not really a zip");
  {
    std::ifstream in(oracle / "tiny-sd15-ldm.safetensors", std::ios::binary);
    std::string head(4096, '\0');
    in.read(head.data(), head.size());
    write(sd / "XL/truncated.safetensors", head);
  }
  write(sd / "notes.txt", "not a model");
  fs::create_directory_symlink("..", sd / "XL/loop");  // a symlink loop
  link(oracle / "tiny-sd15/vae/diffusion_pytorch_model.safetensors", root / "a1111/models/VAE/tiny-vae.safetensors");
  tensors(root / "a1111/models/VAE-approx/taesd_decoder.safetensors", {{"1.weight", {8, 4, 3, 3}}, {"1.bias", {8}}});
  write(root / "a1111/models/VAE-approx/model.pt", "pickle");
  link(oracle / "wave2/lora/tiny-sd15-kohya.safetensors", root / "a1111/models/Lora/style/tiny-kohya.safetensors");
  write(root / "a1111/embeddings/old-embedding.pt", "pickle");
  return root / "a1111";
}

// <root>/comfy: the ComfyUI layout. Returns the install folder.
inline fs::path make_comfy(const fs::path& oracle, const fs::path& root) {
  const fs::path m = root / "comfy/models";
  link(oracle / "tiny-sd15-ldm.safetensors", m / "checkpoints/tiny-sd15-ldm.safetensors");
  link(oracle / "tiny-sd15-ldm.yaml", m / "checkpoints/tiny-sd15-ldm.yaml");
  link(oracle / "wave2/unet-only/tiny-sdxl-unet-ldm.safetensors", m / "unet/tiny-sdxl-unet-ldm.safetensors");
  link(oracle / "wave2/unet-only/tiny-sdxl-unet-diffusers.safetensors",
       m / "diffusion_models/tiny-sdxl-unet-diffusers.safetensors");
  link(oracle / "tiny-sd15/unet/diffusion_pytorch_model.safetensors", m / "diffusion_models/tiny-sd15-unet.safetensors");
  tensors(m / "diffusion_models/sd1-shaped.safetensors",
          {{"conv_in.weight", {4, 4, 3, 3}}, {"down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight", {4, 768}}});
  tensors(m / "diffusion_models/sd2-shaped.safetensors",
          {{"model.diffusion_model.input_blocks.0.0.weight", {4, 4, 3, 3}},
           {"model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", {4, 1024}}});
  tensors(m / "diffusion_models/flux-shaped.safetensors", {{"double_blocks.0.img_attn.qkv.weight", {3, 3}}});
  write(m / "unet/quantized.gguf", "GGUF");
  tensors(m / "vae/flux-ae.safetensors", {{"decoder.conv_in.weight", {8, 16, 3, 3}}});
  tensors(m / "vae/sdxl-vae.safetensors", {{"first_stage_model.decoder.conv_in.weight", {8, 4, 3, 3}}});
  tensors(m / "vae_approx/taesdxl_decoder.safetensors", {{"1.weight", {8, 4, 3, 3}}});
  tensors(m / "vae_approx/taesd_encoder.safetensors", {{"0.weight", {8, 3, 3, 3}}});
  tensors(m / "vae_approx/taesd3_decoder.safetensors", {{"1.weight", {8, 16, 3, 3}}});
  link(oracle / "wave2/lora/tiny-sdxl-kohya.safetensors", m / "loras/tiny-sdxl-kohya.safetensors");
  tensors(m / "embeddings/tiny-embedding.safetensors", {{"emb_params", {1, 32}}});
  return root / "comfy";
}

}  // namespace ripen::test::catalogue_tree
