#pragma once
// Process-wide CPU threading for the engine.
//
// Debian's libtorch starts with ONE intra-op thread, and its BLAS (OpenBLAS, pthread build) keeps a pool of its own
// whose threads spin beside ATen's OpenMP pool. On a 2-core machine the two pools fight: the embedded model's UNet
// ran 5x slower (140 ms vs 26 ms per evaluation) and full-size SD 1.5 used a third more CPU time for the same wall
// time. ATen parallelises around BLAS calls itself, so BLAS gets one thread.
namespace ripen {

// threads <= 0: one per hardware thread. Safe to call again (the GUI does when its settings change).
void configure_cpu_threads(int threads = 0);

// The CPU computes bf16 natively (AVX512-BF16 or AMX-BF16), where bf16 networks ran 1.4-2.7x faster than fp32
// (embedded model and SD 1.5 UNet); elsewhere bf16 is emulated and slower.
bool cpu_has_native_bf16();

}  // namespace ripen
