#pragma once
// PNG text chunks read and written byte-exactly. OpenImageIO writes tEXt with raw UTF-8 and cannot write iTXt,
// so, like Pillow's PngInfo.add_text (which AUTOMATIC1111 and ComfyUI use), we write tEXt when the text is
// Latin-1 and iTXt (UTF-8, uncompressed) otherwise, and read tEXt, zTXt and iTXt into UTF-8.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ripen::imageio {

struct PngText {
  std::string key;
  std::string text;  // UTF-8
};

bool is_png(std::string_view bytes);
std::vector<PngText> read_png_text(std::string_view png_bytes);  // throws ripen::Error on a malformed file
// Returns the file with every text chunk whose key is in `drop` removed and `add` inserted before the first IDAT.
std::string rewrite_png_text(std::string_view png_bytes, const std::vector<PngText>& add,
                             const std::vector<std::string>& drop);

}  // namespace ripen::imageio
