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

}  // namespace ripen
