// libFuzzer target over the PNG text chunk reader and rewriter (imageio/png_text.h): any bytes give texts or
// ripen::Error, never more than the file's inflate budget, and a rewrite of a readable file reads back its texts.
#include <cstddef>
#include <cstdint>
#include <string>

#include "imageio/png_text.h"
#include "tensors/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const auto texts = ripen::imageio::read_png_text(bytes);
    size_t total = 0;
    for (const auto& t : texts) total += t.text.size();
    if (total > size + (size_t(64) << 20)) __builtin_trap();
    const std::string again = ripen::imageio::rewrite_png_text(bytes, {{"ripen", "x\xc3\xa9"}}, {"ripen"});
    bool found = false;
    for (const auto& t : ripen::imageio::read_png_text(again)) found |= t.key == "ripen" && t.text == "x\xc3\xa9";
    if (!found) __builtin_trap();
  } catch (const ripen::Error&) {
  }
  return 0;
}
