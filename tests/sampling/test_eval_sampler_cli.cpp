// `ripen-cli eval --component sampler` round trip: a k-diffusion trajectory file in, the same trajectory out.
#include <cstdio>
#include <cstdlib>

#include "common/test_common.h"
#include "tensors/error.h"
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
