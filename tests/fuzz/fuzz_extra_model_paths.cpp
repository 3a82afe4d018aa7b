// libFuzzer target over ComfyUI's extra_model_paths.yaml reader (models/extra_model_paths.h), which reads a file
// and never throws: the input is written to a temporary file and read; every path names its section and origin.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "models/extra_model_paths.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string file = "/tmp/ripen-fuzz-extra-" + std::to_string(getpid()) + ".yaml";
  FILE* f = std::fopen(file.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  const auto r = ripen::models::read_extra_model_paths(file);
  for (const auto& p : r.paths)
    if (p.section.empty() || p.kind.empty() || p.origin.rfind(file + ":", 0) != 0) __builtin_trap();
  return 0;
}
