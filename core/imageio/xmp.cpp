#include "imageio/xmp.h"

#include <cstring>
#include <vector>

#include "tensors/error.h"

namespace ripen::imageio {
namespace {
std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}
std::string xml_unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    auto semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out.push_back('&');
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") out.push_back('&');
    else if (ent == "lt") out.push_back('<');
    else if (ent == "gt") out.push_back('>');
    else if (ent == "quot") out.push_back('"');
    else if (ent == "apos") out.push_back('\'');
    else if (!ent.empty() && ent[0] == '#') {
      unsigned cp = ent.size() > 1 && ent[1] == 'x' ? std::stoul(std::string(ent.substr(2)), nullptr, 16)
                                                    : std::stoul(std::string(ent.substr(1)));
      if (cp < 0x80) out.push_back(static_cast<char>(cp));
    } else {
      out.append(s.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}
std::optional<std::string> between(std::string_view s, std::string_view open, std::string_view close) {
  auto a = s.find(open);
  if (a == std::string_view::npos) return std::nullopt;
  a += open.size();
  auto b = s.find(close, a);
  if (b == std::string_view::npos) return std::nullopt;
  return xml_unescape(s.substr(a, b - a));
}

uint32_t rd(const unsigned char* p, int n, bool le) {
  uint32_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint32_t(p[le ? i : n - 1 - i]) << (8 * i);
  return v;
}
void wr(std::string& s, size_t pos, uint32_t v, int n, bool le) {
  for (int i = 0; i < n; ++i) s[pos + (le ? i : n - 1 - i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void append_le32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
}  // namespace

std::string build_xmp_packet(const std::string& description, const std::string& ripen_json) {
  return "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
         "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
         " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
         "  <rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
         "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmlns:ripen=\"https://github.com/ripen/ns/1.0/\">\n"
         "   <xmp:CreatorTool>Ripen</xmp:CreatorTool>\n"
         "   <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">" +
         xml_escape(description) +
         "</rdf:li></rdf:Alt></dc:description>\n"
         "   <ripen:data>" +
         xml_escape(ripen_json) +
         "</ripen:data>\n"
         "  </rdf:Description>\n"
         " </rdf:RDF>\n"
         "</x:xmpmeta>\n"
         "<?xpacket end=\"w\"?>";
}

std::optional<std::string> find_ripen_json_in_xmp(std::string_view bytes) {
  return between(bytes, "<ripen:data>", "</ripen:data>");
}
std::optional<std::string> find_xmp_description(std::string_view bytes) {
  return between(bytes, "<rdf:li xml:lang=\"x-default\">", "</rdf:li>");
}

std::string embed_xmp_jpeg(std::string_view jpeg, const std::string& packet) {
  static const char kHeader[] = "http://ns.adobe.com/xap/1.0/";  // + NUL
  size_t seg_len = 2 + sizeof(kHeader) + packet.size();
  if (seg_len > 0xffff) throw Error("XMP packet too large for a JPEG segment");
  auto u = reinterpret_cast<const unsigned char*>(jpeg.data());
  if (jpeg.size() < 4 || u[0] != 0xff || u[1] != 0xd8) throw Error("not a JPEG file");
  size_t pos = 2;  // after SOI, skip APP0 (JFIF) and APP1 (Exif) so XMP follows them as usual
  while (pos + 4 <= jpeg.size() && u[pos] == 0xff && (u[pos + 1] == 0xe0 || u[pos + 1] == 0xe1)) {
    pos += 2 + ((size_t(u[pos + 2]) << 8) | u[pos + 3]);
  }
  std::string seg = "\xff\xe1";
  seg.push_back(static_cast<char>(seg_len >> 8));
  seg.push_back(static_cast<char>(seg_len & 0xff));
  seg.append(kHeader, sizeof(kHeader));
  seg += packet;
  std::string out(jpeg.substr(0, pos));
  out += seg;
  out.append(jpeg.substr(pos));
  return out;
}

std::string embed_xmp_webp(std::string_view webp, const std::string& packet) {
  if (webp.size() < 20 || webp.substr(0, 4) != "RIFF" || webp.substr(8, 4) != "WEBP") throw Error("not a WebP file");
  std::string body(webp.substr(12));
  auto fourcc = body.substr(0, 4);
  std::string out = "RIFF0000WEBP";
  if (fourcc == "VP8X") {
    body[8] = static_cast<char>(body[8] | 0x04);
    out += body;
  } else {
    // Canvas size from the bitstream header: VP8 (lossy) frame header or VP8L (lossless) header.
    auto u = reinterpret_cast<const unsigned char*>(body.data());
    uint32_t w = 0, h = 0;
    if (fourcc == "VP8 " && body.size() >= 8 + 10) {
      w = (u[8 + 6] | (u[8 + 7] << 8)) & 0x3fff;
      h = (u[8 + 8] | (u[8 + 9] << 8)) & 0x3fff;
    } else if (fourcc == "VP8L" && body.size() >= 8 + 5) {
      uint32_t b = u[9] | (u[10] << 8) | (u[11] << 16) | (uint32_t(u[12]) << 24);
      w = (b & 0x3fff) + 1;
      h = ((b >> 14) & 0x3fff) + 1;
    } else {
      throw Error("unsupported WebP layout");
    }
    out += "VP8X";
    append_le32(out, 10);
    out.push_back(0x04);  // XMP present
    out.append(3, '\0');
    for (uint32_t v : {w - 1, h - 1})
      for (int i = 0; i < 3; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    out += body;
  }
  if (out.size() % 2) out.push_back('\0');
  out += "XMP ";
  append_le32(out, static_cast<uint32_t>(packet.size()));
  out += packet;
  if (packet.size() % 2) out.push_back('\0');
  wr(out, 4, static_cast<uint32_t>(out.size() - 8), 4, true);
  return out;
}

std::string embed_xmp_tiff(std::string_view tiff, const std::string& packet) {
  if (tiff.size() < 8) throw Error("not a TIFF file");
  bool le = tiff.substr(0, 2) == "II";
  if (!le && tiff.substr(0, 2) != "MM") throw Error("not a TIFF file");
  std::string out(tiff);
  auto u = reinterpret_cast<const unsigned char*>(out.data());
  uint32_t ifd = rd(u + 4, 4, le);
  if (ifd + 2 > out.size()) throw Error("TIFF directory offset out of range");
  uint32_t n = rd(u + ifd, 2, le);
  if (ifd + 2 + 12 * n + 4 > out.size()) throw Error("TIFF directory out of range");
  std::vector<std::string> entries;
  for (uint32_t i = 0; i < n; ++i) {
    std::string e = out.substr(ifd + 2 + 12 * i, 12);
    if (rd(reinterpret_cast<const unsigned char*>(e.data()), 2, le) != 700) entries.push_back(e);  // replace old XMP
  }
  uint32_t next_ifd = rd(u + ifd + 2 + 12 * n, 4, le);
  // Packet first, then the rewritten directory (tags must stay sorted).
  if (out.size() % 2) out.push_back('\0');
  uint32_t packet_at = static_cast<uint32_t>(out.size());
  out += packet;
  if (out.size() % 2) out.push_back('\0');
  std::string xe(12, '\0');
  wr(xe, 0, 700, 2, le);
  wr(xe, 2, 1, 2, le);  // BYTE
  wr(xe, 4, static_cast<uint32_t>(packet.size()), 4, le);
  wr(xe, 8, packet_at, 4, le);
  auto tag_of = [&](const std::string& e) { return rd(reinterpret_cast<const unsigned char*>(e.data()), 2, le); };
  auto it = entries.begin();
  while (it != entries.end() && tag_of(*it) < 700) ++it;
  entries.insert(it, xe);
  uint32_t new_ifd = static_cast<uint32_t>(out.size());
  std::string dir(2, '\0');
  wr(dir, 0, static_cast<uint32_t>(entries.size()), 2, le);
  for (const auto& e : entries) dir += e;
  dir.append(4, '\0');
  wr(dir, dir.size() - 4, next_ifd, 4, le);
  out += dir;
  wr(out, 4, new_ifd, 4, le);
  return out;
}

}  // namespace ripen::imageio
