#pragma once
// What this process's CPU kernels can compute in bf16, asked of oneDNN (the library ATen hands bf16 convolutions and
// matrix products to) rather than of the CPU's flags: ONEDNN_MAX_CPU_ISA / DNNL_MAX_CPU_ISA cap oneDNN below what
// cpuinfo reports, and ATen 1.13 still routes bf16 to oneDNN by cpuinfo, where it is refused ("could not create a
// primitive descriptor iterator"). Every caller that decides by CPU features asks here.
#include <ATen/ATen.h>

#include <string>

namespace ripen {

struct CpuIsa {
  std::string onednn_isa;    // oneDNN's effective ISA, e.g. "avx2", "avx512_core_bf16"; "probed" where unreachable
  bool onednn_bf16 = false;  // oneDNN runs bf16 under that ISA (AVX-512 core and above; emulated below AVX512-BF16)
  bool native_bf16 = false;  // ... with native bf16 instructions (AVX512-BF16 or AMX-BF16)
};
// Asked once per process: dnnl_get_effective_cpu_isa where libtorch's oneDNN exports it, else a tiny bf16 oneDNN
// convolution tried once (its refusal caught).
const CpuIsa& cpu_isa();
// The probe alone (uncached): a tiny bf16 convolution through ATen's oneDNN entry point ran.
bool onednn_runs_bf16_probe();

// bf16 networks ran 1.4-2.7x faster than fp32 where bf16 is native (embedded model and SD 1.5 UNet); elsewhere it
// is emulated and slower. What `--precision auto` and packed convolutions decide by.
bool cpu_has_native_bf16();

// The dtype `--precision auto` means on the CPU: bf16 where it is native, fp32 elsewhere.
at::ScalarType auto_cpu_dtype();

// True where bf16 convolutions and matrix products on the CPU must be computed in fp32 and rounded to bf16: ATen
// hands them to oneDNN only when its oneDNN use is on and oneDNN runs bf16; otherwise it either calls a oneDNN that
// refuses them or runs its own bf16 kernels, which in libtorch 1.13 accumulate in bf16 for most layouts: a
// [64, 1024] x [1024, 64] product of contiguous operands came out 8% of its max off, an NCHW 3x3 convolution over
// 64 channels 7%, against 0.2-0.3% where its kernel accumulates in fp32 (x times a transposed contiguous weight,
// channels-last convolutions; measured on an AVX2 EPYC).
bool cpu_bf16_products_in_fp32();
// `t` is a CPU bf16 tensor and cpu_bf16_products_in_fp32(): its products are to be computed in fp32.
bool compute_in_fp32(const at::Tensor& t);

}  // namespace ripen
