#include "tensors/cpu_isa.h"

#include <ATen/Context.h>
#include <dlfcn.h>

#include <cstdio>
#include <fstream>
#include <optional>

namespace ripen {
namespace {

// dnnl_cpu_isa_t values are bit masks, each ISA holding the bits of those below it, and keep these bits from
// oneDNN 2.x to 3.x (the 2.x and 3.x values of the AMX and FP16 ISAs differ, their low bits do not).
constexpr unsigned kAvx512Core = 0x27, kAvx512CoreBf16 = 0xe7;

std::string isa_name(unsigned isa) {
  switch (isa) {
    case 0x1: return "sse41";
    case 0x3: return "avx";
    case 0x7: return "avx2";
    case 0x27: return "avx512_core";
    case 0x67: return "avx512_core_vnni";
    case 0xe7: return "avx512_core_bf16";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%x", isa);
      return (isa & kAvx512CoreBf16) == kAvx512CoreBf16 ? std::string("avx512_core_bf16+ ") + buf : buf;
    }
  }
}

// Exported by the shared libdnnl that Debian's libtorch links; a libtorch with oneDNN linked in privately has none.
std::optional<unsigned> effective_onednn_isa() {
  using Fn = int (*)();
  auto fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "dnnl_get_effective_cpu_isa"));
  if (!fn) return std::nullopt;
  return static_cast<unsigned>(fn());
}

bool cpu_flags_have_native_bf16() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    line += ' ';
    return line.find(" avx512_bf16 ") != std::string::npos || line.find(" amx_bf16 ") != std::string::npos;
  }
  return false;
}

CpuIsa ask() {
  CpuIsa c;
  if (!at::hasMKLDNN()) {
    c.onednn_isa = "none";
  } else if (const auto isa = effective_onednn_isa()) {
    c.onednn_isa = isa_name(*isa);
    c.onednn_bf16 = (*isa & kAvx512Core) == kAvx512Core;
    c.native_bf16 = (*isa & kAvx512CoreBf16) == kAvx512CoreBf16;
  } else {
    c.onednn_isa = "probed";
    c.onednn_bf16 = onednn_runs_bf16_probe();
    c.native_bf16 = c.onednn_bf16 && cpu_flags_have_native_bf16();
  }
  return c;
}

}  // namespace

bool onednn_runs_bf16_probe() {
  if (!at::hasMKLDNN()) return false;
  try {
    at::Tensor x = at::ones({1, 1, 1, 1}, at::TensorOptions().dtype(at::kBFloat16));
    return at::mkldnn_convolution(x, x, {}, {0, 0}, {1, 1}, {1, 1}, 1).item<float>() == 1.0f;
  } catch (const std::exception&) {  // ATen's own check of the CPU's flags (c10::Error), or oneDNN's refusal, which
    return false;                     // reaches us as dnnl::error where ATen passes the call on (AVX-512 CPUs, capped)
  }
}

const CpuIsa& cpu_isa() {
  static const CpuIsa isa = ask();
  return isa;
}

bool cpu_has_native_bf16() { return cpu_isa().native_bf16; }

at::ScalarType auto_cpu_dtype() { return cpu_has_native_bf16() ? at::kBFloat16 : at::kFloat; }

bool cpu_bf16_products_in_fp32() { return !(at::globalContext().userEnabledMkldnn() && cpu_isa().onednn_bf16); }

bool compute_in_fp32(const at::Tensor& t) {
  return t.defined() && t.scalar_type() == at::kBFloat16 && t.is_cpu() && cpu_bf16_products_in_fp32();
}

}  // namespace ripen
