// `ripen-cli eval --component sampler` round trip: a k-diffusion trajectory file in, the same trajectory out; and
// `eval --component schedule` against the wave-2 schedule fixtures.
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "common/test_common.h"
#include "tensors/error.h"
#include "tensors/json_file.h"
#include "tensors/safetensors.h"

namespace {
int run_cli(const std::string& args, std::string* out = nullptr) {
  std::string cmd = std::string(RIPEN_CLI_PATH) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string text;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) text += buf;
  int status = pclose(p);
  if (out) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
}  // namespace

TEST(EvalSamplerCli, RoundTripMatchesKDiffusion) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto dir = ripen::test::temp_dir("eval-sampler");
  auto traj = ripen::SafeTensors::open((oracle / "samplers/trajectories_exponential_n10.safetensors").string());
  for (std::string name : {"dpmpp_sde", "heun"}) {
    std::map<std::string, at::Tensor> in{{"sigmas", traj.tensor("sigmas")}, {"x_init", traj.tensor("x_init")}};
    if (traj.contains(name + ".noise_used"))  // extra entries are ignored
      in["noise_used"] = at::cat({traj.tensor(name + ".noise_used"), at::zeros({3, 1, 4, 8, 8}, at::kDouble)});
    auto in_path = (dir / (name + "_in.safetensors")).string(), out_path = (dir / (name + "_out.safetensors")).string();
    ripen::save_safetensors(in_path, in);
    std::string text;
    int rc = run_cli("eval --component sampler --sampler " + name + " --eta 1 --denoiser " +
                         (oracle / "samplers/denoiser.safetensors").string() + " --inputs " + in_path + " --output " + out_path,
                     &text);
    ASSERT_EQ(rc, 0) << text;
    auto out = ripen::SafeTensors::open(out_path);
    EXPECT_TRUE(ripen::test::close_to(out.tensor("final"), traj.tensor(name + ".final"), 1e-10, 1e-12)) << name;
    EXPECT_TRUE(ripen::test::close_to(out.tensor("callback_x"), traj.tensor(name + ".callback_x"), 1e-10, 1e-12)) << name;
    EXPECT_NE(text.find("\"model_calls\":19"), std::string::npos) << text;
  }
  std::string text;
  EXPECT_EQ(run_cli("eval --component sampler --sampler nope --denoiser a --inputs b --output c", &text), 2) << text;
  EXPECT_EQ(run_cli("eval --component sampler --sampler euler --solver-type rk4 --denoiser a --inputs b --output c", &text), 2);
  EXPECT_EQ(run_cli("eval --component sampler --sampler euler --denoiser /nonexistent --inputs b --output c", &text), 1);
}

TEST(EvalScheduleCli, SchedulesFromASchedulerConfigOrAModel) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  auto dir = ripen::test::temp_dir("eval-schedule");
  const auto refs = ripen::read_json_file(oracle / "wave2/schedules/schedules.json");
  const std::string config = (oracle / "tiny-sd15/scheduler/scheduler_config.json").string();
  struct Case {
    std::string flags, ref;
  } cases[] = {{"--schedule trailing --steps 4", "euler.trailing.n4"},
               {"--schedule discrete --spacing leading --steps 8", "euler.leading.n8"},
               {"--schedule sgm_uniform --steps 8", "comfy.sgm_uniform.n8"},
               {"--schedule karras --steps 20", "comfy.karras.n20"},
               {"--schedule beta --steps 20", "comfy.beta.n20"},
               {"--schedule lcm --steps 4 --strength 0.6", "lcm.orig50.strength0.6.n4"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.flags);
    const std::string out = (dir / (c.ref + ".safetensors")).string();
    std::string text;
    ASSERT_EQ(run_cli("eval --component schedule --scheduler-config " + config + " " + c.flags + " --output " + out,
                      &text), 0) << text;
    auto got = ripen::SafeTensors::open(out);
    const auto& ref = refs[c.ref];
    const auto sigmas = ref.is_array() ? ref : ref.value("sigmas", nlohmann::json());
    if (!sigmas.is_null()) {
      at::Tensor r = at::tensor(sigmas.get<std::vector<double>>(), at::kDouble);
      EXPECT_EQ(got.tensor("sigmas").scalar_type(), at::kDouble);
      EXPECT_TRUE(ripen::test::close_to(got.tensor("sigmas"), r, 1e-6, 0));
    }
    if (ref.is_object() && ref.contains("timesteps")) {
      at::Tensor t = got.tensor("timesteps");
      EXPECT_EQ(t.scalar_type(), at::kLong);
      EXPECT_TRUE(at::equal(t, at::tensor(ref["timesteps"].get<std::vector<int64_t>>(), at::kLong)));
    }
  }
  // A model (tiny-sd15 folder) gives its own scheduler config's schedule.
  const std::string out = (dir / "model.safetensors").string();
  std::string text;
  ASSERT_EQ(run_cli("eval --component schedule --model " + (oracle / "tiny-sd15").string() +
                        " --schedule trailing --steps 8 --output " + out, &text), 0) << text;
  EXPECT_TRUE(ripen::test::close_to(ripen::SafeTensors::open(out).tensor("sigmas"),
                                    at::tensor(refs["euler.trailing.n8"]["sigmas"].get<std::vector<double>>(), at::kDouble),
                                    1e-6, 0));
  // Bad input: exit 2 with one line naming what is wrong.
  for (std::string bad : {"--schedule cosine --steps 4", "--schedule karras --spacing trailing --steps 4",
                          "--schedule karras --steps 0", "--schedule trailing --steps 4 --spacing diagonal"}) {
    EXPECT_EQ(run_cli("eval --component schedule --scheduler-config " + config + " " + bad + " --output " + out, &text), 2)
        << bad << ": " << text;
  }
  const auto broken = dir / "broken.json";
  std::ofstream(broken) << R"({"beta_schedule": "squaredcos_cap_v2"})";
  EXPECT_NE(run_cli("eval --component schedule --scheduler-config " + broken.string() +
                        " --schedule karras --steps 4 --output " + out, &text), 0);
  EXPECT_NE(text.find("beta_schedule"), std::string::npos) << text;
  EXPECT_NE(text.find("broken.json"), std::string::npos) << text;
}
