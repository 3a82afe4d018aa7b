#include "pipeline/student_unet.h"

#include <ATen/core/grad_mode.h>

#include <filesystem>

#include "lora/delta.h"
#include "lora/network_file.h"
#include "lora/target_names.h"
#include "tensors/error.h"
#include "tensors/params.h"
#include "tensors/safetensors.h"

namespace fs = std::filesystem;

namespace ripen {
namespace {

constexpr const char* kCondProjKey = "time_embedding.cond_proj.weight";

// A tensor object of its own over `t`'s storage: the teacher's later set_ (a merged LoRA) leaves it as it is.
at::Tensor own_tensor(const at::Tensor& t) { return at::empty({0}, t.options()).set_(t); }

// W₀ + ΔW of every module of the student's LoRA, each resolved against the teacher's own weight names.
void merge_lora(const models::LoadedModel& teacher, const std::string& file, std::map<std::string, at::Tensor>& w) {
  const lora::NetworkFile net = lora::read_network_file(file);
  const lora::TargetNames names = lora::TargetNames::of(teacher);
  for (const lora::Module& m : net.modules) {
    const lora::Target* t = names.find(m.name);
    const std::string first_key = m.key(m.parts.begin()->first);
    if (!t)
      throw Error(file + ": key '" + first_key + "' matches no weight of " + teacher.name + "'s UNet");
    if (t->component != "unet")
      throw Error(file + ": key '" + first_key + "' addresses " + t->component + "; a student patches the UNet only");
    at::Tensor& weight = w.at(t->key);
    const std::string target = "unet: " + t->key;
    lora::check_fits(m, weight.sizes(), target);
    const at::Tensor w0 = weight.to(at::kFloat).reshape({weight.size(0), -1});
    at::Tensor rows = w0.clone();
    lora::RowDelta(m, weight.sizes(), target, m.scale(), w0).add_to(rows, 0, 1.0);
    weight = rows.view(weight.sizes()).to(weight.scalar_type());
  }
}

at::Tensor read_cond_proj(const std::string& file, const UNetConfig& cfg, const at::TensorOptions& options) {
  SafeTensors st = SafeTensors::open(file);
  for (const auto& k : st.keys())
    if (k != kCondProjKey) throw Error(file + ": key '" + k + "': unknown (the file holds " + kCondProjKey + " only)");
  if (!st.contains(kCondProjKey)) throw Error(file + ": key '" + std::string(kCondProjKey) + "': missing");
  at::Tensor t = st.tensor(kCondProjKey, options).clone();
  const std::vector<int64_t> expected{cfg.block_out_channels.at(0), cfg.time_cond_proj_dim};
  if (t.sizes() != at::IntArrayRef(expected))
    throw Error(file + ": key '" + std::string(kCondProjKey) + "': shape " + shape_str(t.sizes()) + ", expected " +
                shape_str(expected) + " (block_out_channels[0], student.json's time_cond_proj_dim)");
  return t;
}

UNet2DCondition lora_student(const models::LoadedModel& teacher, const models::StudentInfo& s) {
  UNetConfig cfg = teacher.unet->config();
  cfg.time_cond_proj_dim = s.time_cond_proj_dim;
  const auto options = at::TensorOptions().dtype(teacher.unet->dtype()).device(teacher.unet->device());
  std::map<std::string, at::Tensor> w;
  for (const auto& [k, t] : teacher.weights.at("unet")) w[k] = own_tensor(t);
  w.erase(kCondProjKey);  // a teacher with a guidance embedding of its own: the student's replaces it
  merge_lora(teacher, (fs::path(s.dir) / "lora.safetensors").string(), w);
  if (s.time_cond_proj_dim > 0) w[kCondProjKey] = read_cond_proj((fs::path(s.dir) / "cond_proj.safetensors").string(), cfg, options);
  ParamStore ps = ParamStore::from_tensors(std::move(w), teacher.path + " + " + s.dir, options);
  UNet2DCondition unet = UNet2DCondition::bind(ps, cfg);
  ps.finish();
  return unet;
}

UNet2DCondition full_student(const models::LoadedModel& teacher, const models::StudentInfo& s) {
  models::LoadOptions o;
  o.device = teacher.unet->device();
  o.dtype = teacher.unet->dtype();
  o.components = {"unet"};
  o.compute_hash = false;
  o.unet_path = (fs::path(s.dir) / "unet").string();
  o.student_path = s.dir;  // not looked for again
  models::LoadedModel m = models::load_model(teacher.path, o);
  if (m.unet->config().time_cond_proj_dim != s.time_cond_proj_dim)
    throw Error((fs::path(o.unet_path) / "config.json").string() + ": key 'time_cond_proj_dim': " +
                std::to_string(m.unet->config().time_cond_proj_dim) + ", but " + s.file + " says " +
                std::to_string(s.time_cond_proj_dim));
  return std::move(*m.unet);
}

}  // namespace

UNet2DCondition load_student_unet(const models::LoadedModel& teacher, const models::StudentInfo& s) {
  if (!teacher.unet || !teacher.weights.count("unet")) throw Error(teacher.name + ": the teacher's UNet is not loaded");
  at::NoGradGuard no_grad;
  return s.kind == "full" ? full_student(teacher, s) : lora_student(teacher, s);
}

DraftDefaults draft_defaults(const models::StudentInfo& s) {
  return {s.steps, s.time_cond_proj_dim > 0 ? s.guidance : 1.0};
}

std::string no_student_message(const models::LoadedModel& m) {
  return "model " + m.name + " has no distilled student (no " + (fs::path(m.path) / "student" / "student.json").string() +
         "); make one with ripen-cli train distill";
}

}  // namespace ripen
