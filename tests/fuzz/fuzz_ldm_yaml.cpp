// libFuzzer target over the LDM config scanner (models/ldm_yaml.h): any text parses or throws ripen::Error, and
// every stored value is reachable by its own path.
#include <cstddef>
#include <cstdint>
#include <string>

#include "models/ldm_yaml.h"
#include "tensors/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto y = ripen::models::LdmYaml::parse(std::string(reinterpret_cast<const char*>(data), size));
    for (const auto& [path, value] : y.values()) {
      if (y.get(path) != value) __builtin_trap();
      (void)y.number(path);
      (void)y.list(path);
    }
  } catch (const ripen::Error&) {
  }
  return 0;
}
