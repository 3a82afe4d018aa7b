#include "tensors/cpu_threads.h"

#include "tensors/parallel_gemm.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <algorithm>
#include <thread>

namespace ripen {
namespace {

// Looked up at run time: the BLAS behind libtorch is chosen by the system (OpenBLAS, BLIS, MKL or none).
bool single_threaded_blas() {
  using SetThreads = void (*)(int);
  bool found = false;
  for (const char* name : {"openblas_set_num_threads", "bli_thread_set_num_threads", "MKL_Set_Num_Threads"}) {
    if (auto fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, name))) {
      fn(1);
      found = true;
    }
  }
  return found;
}

}  // namespace

void configure_cpu_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // With BLAS down to one thread, matrix products are split over ATen's pool by parallel_gemm instead.
  set_parallel_gemm(single_threaded_blas() && threads > 1);
  at::set_num_threads(threads);
}

}  // namespace ripen
