// libFuzzer target over the LoRA network reader (core/lora/network_file.h) and the ΔW of what it accepts: any
// input must either be refused with ripen::Error or give modules whose patches compute at their own shape without
// any other exception. Build: -DRIPEN_FUZZ=ON with clang; run: see tests/fuzz/README.md.
#include <cstddef>
#include <cstdint>
#include <numeric>

#include "lora/delta.h"
#include "lora/network_file.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto st = ripen::SafeTensors::from_buffer(data, size, "fuzz");
    auto f = ripen::lora::parse_network(st);
    for (const auto& m : f.modules) {
      const auto shape = ripen::lora::patch_shape(m);
      const int64_t n = std::accumulate(shape.begin(), shape.end(), int64_t(1), std::multiplies<int64_t>());
      if (n > (1 << 20)) continue;  // large patches: the arithmetic is ATen's, not the parser's
      at::Tensor d = ripen::lora::module_delta(m, shape);
      if (d.sizes() != at::IntArrayRef(shape)) __builtin_trap();
    }
  } catch (const ripen::Error&) {
  }
  return 0;
}
