#pragma once
// A small XMP packet (dc:description = the A1111 parameters text, ripen:data = the full request/record JSON)
// and its embedding into JPEG (APP1), WebP (VP8X + "XMP " chunk) and TIFF (tag 700, XMLPacket) files written
// by OpenImageIO, which cannot carry custom XMP itself. Readers such as exiftool see the description.
#include <optional>
#include <string>
#include <string_view>

namespace ripen::imageio {

std::string build_xmp_packet(const std::string& description, const std::string& ripen_json);
// The ripen:data text of the first XMP packet found anywhere in the file's bytes.
std::optional<std::string> find_ripen_json_in_xmp(std::string_view file_bytes);
std::optional<std::string> find_xmp_description(std::string_view file_bytes);

std::string embed_xmp_jpeg(std::string_view jpeg, const std::string& packet);
std::string embed_xmp_webp(std::string_view webp, const std::string& packet);
std::string embed_xmp_tiff(std::string_view tiff, const std::string& packet);

}  // namespace ripen::imageio
