// cpu_isa: the bf16 answers come from oneDNN's effective ISA, agree with what oneDNN actually runs, and give
// `--precision auto` fp32 wherever bf16 is not native. tests/tensors/CMakeLists.txt also runs this file under
// ONEDNN_MAX_CPU_ISA=AVX2 (oneDNN capped below the CPU, the state in which ATen 1.13 used to throw).
#include <ATen/Context.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "common/test_common.h"
#include "tensors/cpu_isa.h"

namespace ripen {
namespace {

std::string cpu_flags() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("flags", 0) == 0) return line + ' ';
  return {};
}

// ONEDNN_MAX_CPU_ISA (or the older DNNL_ name) set to an ISA without AVX-512.
bool onednn_capped_below_avx512() {
  for (const char* name : {"ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"}) {
    const char* v = std::getenv(name);
    if (!v) continue;
    const std::string s = v;
    if (s == "SSE41" || s == "AVX" || s == "AVX2" || s == "AVX2_VNNI" || s == "AVX2_VNNI_2") return true;
  }
  return false;
}

TEST(CpuIsa, AnswersAgreeWithEachOtherAndWithWhatOneDnnRuns) {
  const CpuIsa& isa = cpu_isa();
  std::printf("oneDNN ISA %s: bf16 %d, native bf16 %d\n", isa.onednn_isa.c_str(), isa.onednn_bf16, isa.native_bf16);
  EXPECT_FALSE(isa.onednn_isa.empty());
  if (isa.native_bf16) EXPECT_TRUE(isa.onednn_bf16);
  EXPECT_EQ(onednn_runs_bf16_probe(), isa.onednn_bf16) << "oneDNN's ISA and a bf16 convolution disagree";
  const std::string flags = cpu_flags();
  if (!flags.empty() && flags.find(" avx512_bf16 ") == std::string::npos && flags.find(" amx_bf16 ") == std::string::npos)
    EXPECT_FALSE(isa.native_bf16) << "the CPU has no bf16 instructions";
  if (!flags.empty() && flags.find(" avx512bw ") == std::string::npos) EXPECT_FALSE(isa.onednn_bf16);
  if (onednn_capped_below_avx512()) {
    EXPECT_FALSE(isa.onednn_bf16) << "oneDNN is capped below AVX-512 but " << isa.onednn_isa << " was reported";
    EXPECT_FALSE(isa.native_bf16);
  }
}

TEST(CpuIsa, AutoPrecisionIsBf16OnlyWhereItIsNative) {
  EXPECT_EQ(auto_cpu_dtype(), cpu_has_native_bf16() ? at::kBFloat16 : at::kFloat);
  if (onednn_capped_below_avx512()) EXPECT_EQ(auto_cpu_dtype(), at::kFloat);
}

// bf16 products go to fp32 unless ATen both may and can hand them to oneDNN.
TEST(CpuIsa, Bf16ProductsRunInFp32WhereOneDnnCannotOrMayNotRunThem) {
  auto& ctx = at::globalContext();
  const bool saved = ctx.userEnabledMkldnn();
  const at::Tensor b = at::zeros({2}, at::kBFloat16), f = at::zeros({2});
  ctx.setUserEnabledMkldnn(true);
  EXPECT_EQ(cpu_bf16_products_in_fp32(), !cpu_isa().onednn_bf16);
  EXPECT_EQ(compute_in_fp32(b), !cpu_isa().onednn_bf16);
  EXPECT_FALSE(compute_in_fp32(f));
  EXPECT_FALSE(compute_in_fp32(at::Tensor()));
  ctx.setUserEnabledMkldnn(false);  // ATen's own bf16 kernels
  EXPECT_TRUE(cpu_bf16_products_in_fp32());
  EXPECT_TRUE(compute_in_fp32(b));
  ctx.setUserEnabledMkldnn(saved);
}

}  // namespace
}  // namespace ripen
