// `ripen-cli generate` with the 2x hires pass: its flags, bad values (exit 2, one line), and a tiny run whose
// PNG is twice the asked size.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/test_common.h"

namespace fs = std::filesystem;

namespace {
struct CliRun {
  int rc = -1;
  std::string out;
};
CliRun cli(const std::string& args) {
  std::string cmd = std::string(RIPEN_CLI_PATH) + " " + args + " 2>&1";
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}
int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n + (!s.empty() && s.back() != '\n');
}
// Width and height from a PNG's IHDR.
std::pair<int, int> png_size(const fs::path& f) {
  std::ifstream in(f, std::ios::binary);
  unsigned char h[24] = {};
  in.read(reinterpret_cast<char*>(h), 24);
  auto be = [&](int o) { return int(h[o]) << 24 | int(h[o + 1]) << 16 | int(h[o + 2]) << 8 | int(h[o + 3]); };
  return {be(16), be(20)};
}
}  // namespace

TEST(HiresCli, BadHiresFlagsExitTwoWithOneLine) {
  const std::string base = "generate --model embedded --prompt x --json ";
  for (std::string bad : {"--preset quality --hires --hires-strength 1.5",
                          "--preset quality --hires --hires-strength 0",
                          "--preset quality --hires --hires-strength nan",
                          "--preset quality --hires --hires-steps 0",
                          "--preset quality --hires --hires-steps ten",
                          "--preset quality --hires --hires-upscale bicubic",
                          "--preset quality --hires-steps 10",
                          "--preset quality --hires-upscale latent",
                          "--preset fast --hires",
                          "--hires"}) {
    CliRun r = cli(base + bad);
    EXPECT_EQ(r.rc, 2) << bad << ": " << r.out;
    EXPECT_EQ(lines(r.out), 1) << bad << ": " << r.out;
  }
}

TEST(HiresCli, GenerateWritesATwiceAsLargePng) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  fs::path dir = ripen::test::temp_dir("hires_cli");
  fs::path png = dir / "r.png";
  CliRun r = cli("generate --model " + (oracle / "tiny-sd15").string() +
              " --prompt apple --seed 3 --size 64x48 --preset quality --hires --hires-steps 6"
              " --hires-upscale latent --hires-strength 0.6 --quiet --json --out " + png.string());
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(png_size(png), std::make_pair(128, 96));
  auto j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["record"]["hires"], true);
  EXPECT_EQ(j["record"]["hires_steps"], 6);
  EXPECT_EQ(j["record"]["steps_used"], 36);
  EXPECT_EQ(j["request"]["hires_upscale"], "latent");
  EXPECT_EQ(j["record"]["plan"]["hires_strength"], 0.6);
}
