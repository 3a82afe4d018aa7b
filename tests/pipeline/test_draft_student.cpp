// The Draft tier on the embedded model with students the test makes itself (no trained student needed): a kohya LoRA
// + cond_proj student (kind "lora") and a complete unet/ student (kind "full"). The student UNet equals one built by
// hand from the teacher and the LoRA's ΔW, the teacher is unchanged, a Draft run takes one UNet call per step,
// promotion rerenders with the teacher, and bad student folders are errors naming the file and key.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "common/error_of.h"
#include "common/test_common.h"
#include "models/model.h"
#include "pipeline/pipeline.h"
#include "pipeline/promote.h"
#include "pipeline/student_unet.h"
#include "tensors/error.h"
#include "tensors/params.h"
#include "tensors/safetensors.h"

using namespace ripen;
using ripen::test::error_of;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kCondDim = 16, kRank = 4;
constexpr double kAlpha = 2.0;  // scale alpha / rank = 0.5

// The embedded model's parts, linked into a folder of the test's own (without any student it may ship).
fs::path teacher_folder(const std::string& tag) {
  const fs::path dir = test::temp_dir(tag) / "teacher";
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(models::resolve_model_path("embedded")))
    if (e.path().filename() != "student") fs::create_symlink(e.path(), dir / e.path().filename());
  return dir;
}

void write_json(const fs::path& file, const nlohmann::json& j) { std::ofstream(file) << j.dump(2); }

nlohmann::json student_json(const std::string& kind) {
  return {{"format", "ripen-lcm-student"}, {"version", 1},          {"kind", kind},
          {"time_cond_proj_dim", kCondDim}, {"guidance", 6.0},      {"guidance_range", {3.0, 13.0}},
          {"original_inference_steps", 50}, {"steps", 2},           {"retention_weight", 3.0},
          {"lora_rank", kRank},             {"teacher", "ripen-emoji"}, {"trained_steps", 0}};
}

// kohya names of a few attention, feed-forward and 3x3 conv weights of the teacher's UNet.
std::vector<std::string> patched_keys(const models::LoadedModel& teacher) {
  std::vector<std::string> keys;
  bool conv = false;
  for (const auto& [k, t] : teacher.weights.at("unet")) {
    const bool attn = k.ends_with("attn1.to_q.weight") || k.ends_with("attn2.to_k.weight") || k.ends_with("ff.net.2.weight");
    const bool first_conv = !conv && k.ends_with("resnets.0.conv1.weight");
    if (attn || first_conv) keys.push_back(k);
    conv = conv || first_conv;
  }
  return keys;
}

std::string kohya_name(std::string key) {
  key = key.substr(0, key.size() - std::string(".weight").size());
  for (char& c : key)
    if (c == '.') c = '_';
  return "lora_unet_" + key;
}

struct LoraStudent {
  std::map<std::string, at::Tensor> lora;  // the file's tensors
  at::Tensor cond_proj;
};

// Writes <teacher>/student/ (kind lora): a random rank-4 LoRA over `keys` and a random cond_proj.
LoraStudent write_lora_student(const fs::path& dir, const models::LoadedModel& teacher) {
  fs::create_directories(dir);
  LoraStudent s;
  at::manual_seed(3);
  for (const std::string& key : patched_keys(teacher)) {
    const at::Tensor& w = teacher.weights.at("unet").at(key);
    const std::string n = kohya_name(key);
    if (w.dim() == 4) {
      s.lora[n + ".lora_down.weight"] = at::randn({kRank, w.size(1), w.size(2), w.size(3)}) * 0.05;
      s.lora[n + ".lora_up.weight"] = at::randn({w.size(0), kRank, 1, 1}) * 0.05;
    } else {
      s.lora[n + ".lora_down.weight"] = at::randn({kRank, w.size(1)}) * 0.05;
      s.lora[n + ".lora_up.weight"] = at::randn({w.size(0), kRank}) * 0.05;
    }
    s.lora[n + ".alpha"] = at::full({}, kAlpha);
  }
  s.cond_proj = at::randn({teacher.unet->config().block_out_channels[0], kCondDim}) * 0.05;
  save_safetensors((dir / "lora.safetensors").string(), s.lora, {});
  save_safetensors((dir / "cond_proj.safetensors").string(), {{"time_embedding.cond_proj.weight", s.cond_proj}}, {});
  write_json(dir / "student.json", student_json("lora"));
  return s;
}

// The student by hand: W₀ + alpha/rank · up·down on each patched weight, and the guidance embedding's projection.
UNet2DCondition hand_built(const models::LoadedModel& teacher, const LoraStudent& s) {
  std::map<std::string, at::Tensor> w;
  for (const auto& [k, t] : teacher.weights.at("unet")) w[k] = t.clone();
  for (const std::string& key : patched_keys(teacher)) {
    const std::string n = kohya_name(key);
    const at::Tensor down = s.lora.at(n + ".lora_down.weight"), up = s.lora.at(n + ".lora_up.weight");
    at::Tensor delta = at::mm(up.flatten(1), down.flatten(1)).view(w[key].sizes());
    w[key] = w[key] + (kAlpha / kRank) * delta;
  }
  w["time_embedding.cond_proj.weight"] = s.cond_proj;
  UNetConfig cfg = teacher.unet->config();
  cfg.time_cond_proj_dim = kCondDim;
  ParamStore ps = ParamStore::from_tensors(w, "hand-built student");
  UNet2DCondition unet = UNet2DCondition::bind(ps, cfg);
  ps.finish();
  return unet;
}

struct Inputs {
  at::Tensor x, t, context, cond;
};
Inputs inputs(const UNetConfig& cfg) {
  at::manual_seed(5);
  return {at::randn({1, 4, 16, 16}), at::full({1}, 499.0), at::randn({1, 8, cfg.cross_attention_dim}),
          at::randn({1, kCondDim})};
}
at::Tensor run(const UNet2DCondition& u, const Inputs& in, bool cond) {
  at::NoGradGuard g;
  return u.forward(in.x, in.t, in.context, nullptr, cond ? in.cond : at::Tensor());
}

GenerationRequest draft_request(const fs::path& model, int steps = 20) {
  GenerationRequest r;
  r.model = model.string();
  r.prompt = "red apple, google style";
  r.seed = 11;
  r.width = r.height = 0;  // the model's native size
  r.preset = Preset::Draft;
  r.steps = steps;
  return r;
}

}  // namespace

TEST(DraftStudent, LoraStudentIsTeacherPlusDeltaAndLeavesTheTeacher) {
  const fs::path dir = teacher_folder("draft-lora");
  models::LoadedModel plain = models::load_model(dir.string());
  EXPECT_FALSE(plain.student_info);
  const LoraStudent s = write_lora_student(dir / "student", plain);
  models::LoadedModel teacher = models::load_model(dir.string());
  ASSERT_TRUE(teacher.student_info);
  EXPECT_EQ(teacher.student_info->kind, "lora");
  EXPECT_EQ(teacher.student_info->steps, 2);
  const Inputs in = inputs(teacher.unet->config());
  const at::Tensor before = run(*teacher.unet, in, false);

  const UNet2DCondition student = load_student_unet(teacher, *teacher.student_info);
  EXPECT_EQ(student.config().time_cond_proj_dim, kCondDim);
  EXPECT_TRUE(at::equal(run(*teacher.unet, in, false), before)) << "the teacher is unchanged";
  const UNet2DCondition ref = hand_built(teacher, s);
  EXPECT_TRUE(test::close_to(run(student, in, true), run(ref, in, true), 1e-5, 1e-6));
  EXPECT_FALSE(test::close_to(run(student, in, true), before, 1e-3, 0)) << "the LoRA changes the output";
}

TEST(DraftStudent, FullStudentLoadsItsUNetFolder) {
  const fs::path dir = teacher_folder("draft-full");
  models::LoadedModel teacher = models::load_model(dir.string());
  UNetConfig cfg = teacher.unet->config();
  cfg.time_cond_proj_dim = kCondDim;
  ParamStore random = ParamStore::random(9);
  UNet2DCondition made = UNet2DCondition::bind(random, cfg);
  const fs::path unet_dir = dir / "student" / "unet";
  fs::create_directories(unet_dir);
  nlohmann::json config = cfg.to_json();
  config["_class_name"] = "UNet2DConditionModel";
  write_json(unet_dir / "config.json", config);
  save_safetensors((unet_dir / "diffusion_pytorch_model.safetensors").string(), random.param_map(), {});
  write_json(dir / "student" / "student.json", student_json("full"));

  teacher = models::load_model(dir.string());
  ASSERT_TRUE(teacher.student_info);
  const UNet2DCondition student = load_student_unet(teacher, *teacher.student_info);
  const Inputs in = inputs(cfg);
  EXPECT_TRUE(test::close_to(run(student, in, true), run(made, in, true), 1e-6, 1e-7));

  nlohmann::json j = student_json("full");
  j["time_cond_proj_dim"] = 8;
  write_json(dir / "student" / "student.json", j);
  teacher = models::load_model(dir.string());
  const std::string e = error_of([&] { load_student_unet(teacher, *teacher.student_info); });
  EXPECT_NE(e.find("time_cond_proj_dim"), std::string::npos) << e;
}

TEST(DraftStudent, BadFoldersAreErrorsNamingFileAndKey) {
  const fs::path dir = teacher_folder("draft-bad");
  const fs::path sd = dir / "student";
  models::LoadedModel teacher = models::load_model(dir.string());
  LoraStudent s = write_lora_student(sd, teacher);
  const std::string json_file = (sd / "student.json").string();

  nlohmann::json j = student_json("lora");
  j["learning_rate"] = 1e-4;
  write_json(sd / "student.json", j);
  std::string e = error_of([&] { models::load_model(dir.string()); });
  EXPECT_NE(e.find(json_file), std::string::npos) << e;
  EXPECT_NE(e.find("'learning_rate'"), std::string::npos) << e;

  j = student_json("lora");
  j.erase("guidance");
  write_json(sd / "student.json", j);
  e = error_of([&] { models::load_model(dir.string()); });
  EXPECT_NE(e.find("'guidance': missing"), std::string::npos) << e;

  std::ofstream(sd / "student.json") << "{\"format\": ";
  e = error_of([&] { models::load_model(dir.string()); });
  EXPECT_NE(e.find(json_file), std::string::npos) << e;

  write_json(sd / "student.json", student_json("lora"));
  fs::remove(sd / "cond_proj.safetensors");
  e = error_of([&] { models::load_model(dir.string()); });
  EXPECT_NE(e.find("cond_proj.safetensors"), std::string::npos) << e;

  save_safetensors((sd / "cond_proj.safetensors").string(), {{"time_embedding.cond_proj.weight", at::zeros({3, kCondDim})}}, {});
  teacher = models::load_model(dir.string());
  e = error_of([&] { load_student_unet(teacher, *teacher.student_info); });
  EXPECT_NE(e.find("cond_proj.safetensors: key 'time_embedding.cond_proj.weight': shape [3, 16]"), std::string::npos) << e;

  s.lora["lora_unet_down_blocks_9_nothing_here.lora_down.weight"] = at::zeros({kRank, 8});
  s.lora["lora_unet_down_blocks_9_nothing_here.lora_up.weight"] = at::zeros({8, kRank});
  save_safetensors((sd / "lora.safetensors").string(), s.lora, {});
  e = error_of([&] { load_student_unet(teacher, *teacher.student_info); });
  EXPECT_NE(e.find((sd / "lora.safetensors").string()), std::string::npos) << e;
  EXPECT_NE(e.find("lora_unet_down_blocks_9_nothing_here"), std::string::npos) << e;

  // An explicit folder without student.json.
  models::LoadOptions o;
  o.student_path = (dir / "nowhere").string();
  e = error_of([&] { models::load_model(dir.string(), o); });
  EXPECT_NE(e.find("student.json"), std::string::npos) << e;
}

TEST(DraftStudent, DraftRunsOneCallPerStepAndPromotesWithTheTeacher) {
  const fs::path dir = teacher_folder("draft-run");
  Pipeline p;
  GenerationResult none = p.generate(draft_request(dir));
  EXPECT_EQ(none.status, GenerationResult::Status::Failed);
  EXPECT_NE(none.error.find("has no distilled student"), std::string::npos) << none.error;
  EXPECT_NE(none.error.find("ripen-cli train distill"), std::string::npos) << none.error;

  GenerationRequest q = draft_request(dir);
  q.preset = Preset::Quality;
  GenerationResult quality = p.generate(q);
  ASSERT_TRUE(quality.ok()) << quality.error;

  write_lora_student(dir / "student", *p.model(dir.string()));
  p.drop_cache();
  for (int steps : {1, 3}) {
    GenerationResult d = p.generate(draft_request(dir, steps));
    ASSERT_TRUE(d.ok()) << d.error;
    EXPECT_EQ(d.record.unet_evals, steps) << "one call a step: the guidance is embedded, no CFG batch";
    EXPECT_EQ(d.record.steps_used, steps);
    EXPECT_EQ(d.plan().schedule, "lcm");
    EXPECT_EQ(d.plan().sampler_at(0), "lcm");
    EXPECT_DOUBLE_EQ(d.plan().cfg.front(), 6.0);
    EXPECT_FALSE(d.plan().adaptive.enabled);
    EXPECT_FALSE(d.composition_latents.defined());
  }
  GenerationResult d = p.generate(draft_request(dir));  // steps 20: the student's default, 2
  ASSERT_TRUE(d.ok()) << d.error;
  EXPECT_EQ(d.record.unet_evals, 2);

  for (PromoteMode mode : {PromoteMode::Continue, PromoteMode::Rerender}) {
    GenerationResult promoted = promote(p, promote_source(d), mode);
    ASSERT_TRUE(promoted.ok()) << promoted.error;
    EXPECT_EQ(promoted.request.preset, Preset::Quality);
    EXPECT_EQ(promoted.request.promote, PromoteMode::Rerender) << "a draft's latent is another network's";
    EXPECT_TRUE(at::equal(promoted.latents, quality.latents)) << "the teacher renders the same seed, unchanged";
  }
}

#ifdef RIPEN_CLI_PATH
TEST(DraftStudent, CliGeneratesADraft) {
  const fs::path dir = teacher_folder("draft-cli");
  write_lora_student(dir / "elsewhere", models::load_model(dir.string()));
  const fs::path out = dir.parent_path() / "draft.png";
  const std::string cli = std::string(RIPEN_CLI_PATH) + " generate --model " + dir.string() +
                          " --preset draft --prompt 'red apple, google style' --seed 4 --quiet --out " + out.string();
  const std::string base = cli + " --steps 2";
  EXPECT_NE(std::system((base + " 2>/dev/null").c_str()), 0) << "no student/ beside the model";
  const std::string cmd = base + " --student " + (dir / "elsewhere").string() + " --json > " +
                          (dir.parent_path() / "out.json").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  EXPECT_TRUE(fs::exists(out));
  const std::string nine = cli + " --steps 9 --student " + (dir / "elsewhere").string() + " 2>/dev/null";
  EXPECT_NE(std::system(nine.c_str()), 0) << "draft takes 1 to 8 steps";
}
#endif
