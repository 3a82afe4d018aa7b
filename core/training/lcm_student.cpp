#include "training/lcm_student.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tensors/error.h"
#include "tensors/safetensors.h"

namespace ripen::training {

namespace fs = std::filesystem;

StudentKind student_kind_from_string(const std::string& s) {
  if (s == "full") return StudentKind::Full;
  if (s == "lora") return StudentKind::Lora;
  throw Error("unknown student kind '" + s + "' (expected full or lora)");
}

std::string to_string(StudentKind kind) { return kind == StudentKind::Full ? "full" : "lora"; }

bool lora_adapts(const std::string& key) {
  // diffusers' LCM-LoRA target modules.
  static const char* const kModules[] = {".to_q",  ".to_k",          ".to_v",          ".to_out.0",          ".proj_in",
                                         ".proj_out", ".ff.net.0.proj", ".ff.net.2",   ".conv1",             ".conv2",
                                         ".conv_shortcut", ".time_emb_proj", "downsamplers.0.conv", "upsamplers.0.conv"};
  const std::string suffix = ".weight";
  if (key.size() <= suffix.size() || key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  const std::string module = key.substr(0, key.size() - suffix.size());
  for (const char* m : kModules) {
    const std::string s = m;
    if (module.size() >= s.size() && module.compare(module.size() - s.size(), s.size(), s) == 0) return true;
  }
  return false;
}

std::string kohya_unet_name(const std::string& weight_key) {
  std::string module = weight_key.substr(0, weight_key.rfind(".weight"));
  std::replace(module.begin(), module.end(), '.', '_');
  return "lora_unet_" + module;
}

LcmStudent::LcmStudent(const StudentSpec& spec, const UNetConfig& teacher_config,
                       const std::map<std::string, at::Tensor>& teacher_weights, uint64_t seed, at::Device device)
    : spec_(spec), config_(teacher_config), params_(ParamStore::random(seed)) {
  if (spec.rank < 1) throw Error("student LoRA rank must be >= 1");
  if (teacher_config.has_time_cond()) throw Error("the teacher already has a guidance embedding (an LCM model?)");
  config_.time_cond_proj_dim = spec.time_cond_proj_dim;
  const auto f32 = at::TensorOptions().dtype(at::kFloat).device(device);
  at::NoGradGuard no_grad;
  std::map<std::string, at::Tensor> base;
  for (const auto& [k, v] : teacher_weights) base[k] = v.detach().to(f32).clone();
  const int64_t sinusoid_width = config_.block_out_channels.at(0);
  if (spec.kind == StudentKind::Full) {
    if (spec.time_cond_proj_dim > 0) base[kCondProjKey] = at::zeros({sinusoid_width, spec.time_cond_proj_dim}, f32);
    params_ = ParamStore::from_tensors(std::move(base), "teacher unet", f32);
    UNet2DCondition::bind(params_, config_);
    params_.finish();
    return;
  }
  params_ = ParamStore::random(seed, f32);
  for (const auto& [key, w] : base) {
    if (w.dim() < 2 || !lora_adapts(key)) continue;
    LoraTarget t{key, kohya_unet_name(key), w.sizes().vec(), std::min({spec.rank, w.size(0), w.numel() / w.size(0)})};
    std::vector<int64_t> down{t.rank, w.size(1)}, up{w.size(0), t.rank};
    if (w.dim() == 4) {
      down.insert(down.end(), {w.size(2), w.size(3)});
      up.insert(up.end(), {1, 1});
    }
    params_.take(t.name + ".lora_down.weight", down, Init::Uniform, w.numel() / w.size(0));
    params_.take(t.name + ".lora_up.weight", up, Init::Zeros);
    targets_.push_back(std::move(t));
  }
  if (targets_.empty()) throw Error("the teacher UNet has none of the layers a LoRA student adapts");
  if (spec.time_cond_proj_dim > 0) params_.take(kCondProjKey, {sinusoid_width, spec.time_cond_proj_dim}, Init::Zeros);
  base_ = std::move(base);
}

std::map<std::string, at::Tensor> LcmStudent::unet_weights(const std::map<std::string, at::Tensor>& params) const {
  if (spec_.kind == StudentKind::Full) return params;
  std::map<std::string, at::Tensor> w = base_;
  for (const LoraTarget& t : targets_) {
    const at::Tensor& up = params.at(t.name + ".lora_up.weight");
    const at::Tensor& down = params.at(t.name + ".lora_down.weight");
    w[t.key] = base_.at(t.key) + at::mm(up.reshape({up.size(0), t.rank}), down.reshape({t.rank, -1})).view(t.shape);
  }
  if (spec_.time_cond_proj_dim > 0) w[kCondProjKey] = params.at(kCondProjKey);
  return w;
}

UNet2DCondition LcmStudent::bind(const std::map<std::string, at::Tensor>& params) const {
  ParamStore ps = ParamStore::from_tensors(unet_weights(params), "lcm student", params_.options());
  UNet2DCondition unet = UNet2DCondition::bind(ps, config_);
  ps.finish();
  return unet;
}

namespace {
std::map<std::string, at::Tensor> as_half(const std::map<std::string, at::Tensor>& m) {
  std::map<std::string, at::Tensor> out;
  for (const auto& [k, v] : m) out[k] = v.detach().to(at::kCPU).to(at::kHalf);
  return out;
}
}  // namespace

void LcmStudent::save_unet(const std::string& dir, const std::map<std::string, at::Tensor>& params) const {
  fs::create_directories(dir);
  {
    std::ofstream out(fs::path(dir) / "config.json");
    out << config_.to_json().dump(2) << "\n";
    if (!out) throw Error(dir + "/config.json: cannot write");
  }
  at::NoGradGuard no_grad;
  save_safetensors((fs::path(dir) / "diffusion_pytorch_model.safetensors").string(), as_half(unet_weights(params)));
}

void LcmStudent::save(const std::string& dir, const std::map<std::string, at::Tensor>& params,
                      const nlohmann::json& info) const {
  const fs::path tmp = dir + ".new", old = dir + ".old";
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  nlohmann::json j = {{"format", "ripen-lcm-student"}, {"version", 1}, {"kind", to_string(spec_.kind)},
                      {"time_cond_proj_dim", spec_.time_cond_proj_dim}};
  if (spec_.kind == StudentKind::Full) {
    save_unet((tmp / "unet").string(), params);
  } else {
    std::map<std::string, at::Tensor> lora;
    for (const LoraTarget& t : targets_) {
      for (const char* part : {".lora_down.weight", ".lora_up.weight"}) lora[t.name + part] = params.at(t.name + part);
      lora[t.name + ".alpha"] = at::scalar_tensor(static_cast<double>(t.rank));
    }
    save_safetensors((tmp / "lora.safetensors").string(), as_half(lora),
                     {{"ss_network_module", "networks.lora"}, {"ss_network_dim", std::to_string(spec_.rank)},
                      {"ss_network_alpha", std::to_string(spec_.rank)},
                      {"ss_output_name", fs::path(dir).filename().string()}, {"ripen_lcm_student", "1"}});
    if (spec_.time_cond_proj_dim > 0)
      save_safetensors((tmp / "cond_proj.safetensors").string(), as_half({{kCondProjKey, params.at(kCondProjKey)}}));
    j["lora_rank"] = spec_.rank;
  }
  j.update(info);
  {
    std::ofstream out(tmp / "student.json");
    out << j.dump(2) << "\n";
    if (!out) throw Error((tmp / "student.json").string() + ": cannot write");
  }
  fs::remove_all(old);
  if (fs::exists(dir)) fs::rename(dir, old);
  fs::rename(tmp, dir);
  fs::remove_all(old);
}

}  // namespace ripen::training
