// libFuzzer target over the safetensors reader: any input must either parse (and then every tensor must be
// readable inside the buffer) or throw ripen::Error. Anything else (crash, sanitizer report, another
// exception type) is a finding. Build: -DRIPEN_FUZZ=ON with clang; run: see tests/fuzz/README.md.
#include <cstddef>
#include <cstdint>

#include "tensors/error.h"
#include "tensors/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto st = ripen::SafeTensors::from_buffer(data, size, "fuzz");
    for (const auto& info : st.tensors()) {
      at::Tensor t = st.tensor(info.name);
      if (t.numel() > 0 && t.nbytes() != info.end - info.begin) __builtin_trap();
    }
    for (const auto& [k, v] : st.metadata()) (void)v.size();
  } catch (const ripen::Error&) {
  }
  return 0;
}
