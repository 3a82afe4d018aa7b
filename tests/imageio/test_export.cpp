// Export to every format, read the file back: same request, record, pixels (exactly or within the format's loss).
#include <OpenImageIO/imageio.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "imageio/a1111_infotext.h"
#include "imageio/export.h"
#include "imageio/file_util.h"
#include "imageio/metadata_read.h"
#include "imageio/png_text.h"
#include "common/test_common.h"
#include "tensors/error.h"

using namespace ripen;
using namespace ripen::imageio;
namespace fs = std::filesystem;

namespace {
GenerationRequest sample_request() {
  GenerationRequest r;
  r.model = "/models/dreamshaper_8.safetensors";
  r.prompt = "a cosy café at night, warm light, (detailed:1.1), 北京";  // non-Latin-1: iTXt in PNG
  r.negative_prompt = "blurry, \"low\" quality";
  r.seed = 987654321012345ull;
  r.width = 48;
  r.height = 32;
  r.preset = Preset::Quality;
  r.sampler = "dpmpp_2m_sde";
  r.schedule = "karras";
  r.steps = 28;
  r.cfg = 6.5;
  r.cfg_schedule = {7.0, 6.5, 6.0};
  r.clip_skip = 2;
  r.noise = NoiseSource::Philox;
  r.eta = 0.8;
  r.promote = PromoteMode::Polish;
  r.parent_id = 17;
  r.polish_sigma = 2.5;
  return r;
}
GenerationRecord sample_record() {
  GenerationRecord rec;
  rec.steps_used = 14;
  rec.steps_planned = 28;
  rec.unet_evals = 28;
  rec.stop_reason = "converged at step 14";
  rec.model_name = "dreamshaper_8";
  rec.model_hash = "879db523c3";
  rec.seconds_total = 3.25;
  return rec;
}
Image gradient(int w, int h) {
  Image img{w, h, std::vector<uint8_t>(size_t(w) * h * 3)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &img.rgb[(size_t(y) * w + x) * 3];
      p[0] = static_cast<uint8_t>(x * 255 / (w - 1));
      p[1] = static_cast<uint8_t>(y * 255 / (h - 1));
      p[2] = static_cast<uint8_t>((x * 7 + y * 3) % 256);
    }
  return img;
}
double mean_abs_diff(const Image& a, const Image& b) {
  double s = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) s += std::abs(int(a.rgb[i]) - int(b.rgb[i]));
  return s / a.rgb.size();
}
}  // namespace

TEST(Export, EveryFormatRoundTripsTheRequest) {
  const fs::path dir = test::temp_dir("imageio_export");
  const auto req = sample_request();
  const auto rec = sample_record();
  const Image img = gradient(req.width, req.height);
  FloatImage hdr = to_float(img);
  for (auto& v : hdr.rgb) v = std::min(1.0f, v + 0.5f / 65535.0f * 100.0f);  // values between 8-bit steps
  auto formats = available_formats();
  ASSERT_GE(formats.size(), 5u) << "PNG, PNG16, JPEG, TIFF and EXR must be available";
  for (Format f : formats) {
    SCOPED_TRACE(format_name(f));
    fs::path file = dir / ("out_" + format_name(f) + format_extension(f));
    ExportOptions o;
    o.format = f;
    o.jpeg_quality = 95;
    export_image(file, img, f == Format::Png8 ? nullptr : &hdr, req, rec, o);
    auto meta = read_metadata(file);
    ASSERT_TRUE(meta.has_value());
    EXPECT_EQ(meta->source, MetadataSource::Ripen);
    EXPECT_EQ(meta->request, req);
    EXPECT_EQ(meta->record.to_json(), rec.to_json());
    EXPECT_EQ(meta->parameters_text, a1111_parameters(req, plan_of(req, rec), rec));
    Image back = read_image(file);
    ASSERT_EQ(back.width, img.width);
    ASSERT_EQ(back.height, img.height);
    double tol = f == Format::Jpeg || f == Format::WebP ? 6.0 : 0.51;
    EXPECT_LE(mean_abs_diff(back, img), tol);
    // No temporary file left beside the export.
    for (const auto& e : fs::directory_iterator(dir)) EXPECT_FALSE(is_temp_name(e.path())) << e.path();
  }
}

TEST(Export, PngCarriesParametersChunkAndSrgb) {
  const fs::path dir = test::temp_dir("imageio_png");
  auto req = sample_request();
  req.prompt = "plain latin-1 prompt, caf\xc3\xa9";
  auto rec = sample_record();
  fs::path file = dir / "a.png";
  export_image(file, gradient(req.width, req.height), nullptr, req, rec, {});
  std::string bytes = read_file(file);
  // tEXt (Latin-1 encoded, as Pillow writes it), holding exactly the A1111 text.
  std::string expected = a1111_parameters(req, plan_of(req, rec), rec);
  std::string latin1 = expected;
  auto pos = latin1.find("caf\xc3\xa9");
  latin1.replace(pos, 5, "caf\xe9");
  EXPECT_NE(bytes.find(std::string("tEXtparameters") + '\0' + latin1), std::string::npos);
  EXPECT_NE(bytes.find("sRGB"), std::string::npos);
  EXPECT_EQ(bytes.find("oiio:ColorSpace"), std::string::npos);
  auto texts = read_png_text(bytes);
  ASSERT_GE(texts.size(), 2u);
  EXPECT_EQ(texts[0].key, "parameters");
  EXPECT_EQ(texts[0].text, expected);
  EXPECT_EQ(texts[1].key, "ripen");
}

TEST(Export, Png16KeepsMoreThanEightBits) {
  const fs::path dir = test::temp_dir("imageio_png16");
  FloatImage hdr{4, 4, std::vector<float>(48)};
  for (size_t i = 0; i < hdr.rgb.size(); ++i) hdr.rgb[i] = float(i) / 4000.0f;  // steps far below 1/255
  Image img = to_8bit(hdr);
  ExportOptions o;
  o.format = Format::Png16;
  export_image(dir / "a.png", img, &hdr, sample_request(), sample_record(), o);
  auto in = OIIO::ImageInput::open((dir / "a.png").string());
  ASSERT_TRUE(in);
  EXPECT_EQ(in->spec().format, OIIO::TypeDesc::UINT16);
  std::vector<float> px(48);
  in->read_image(0, 0, 0, 3, OIIO::TypeDesc::FLOAT, px.data());
  for (size_t i = 0; i < px.size(); ++i) EXPECT_NEAR(px[i], hdr.rgb[i], 1.0 / 65535.0);
}

TEST(Export, NameTemplate) {
  auto r = sample_request();
  r.prompt = "a/b: c?d  long prompt text here";
  r.preset = Preset::Fast;
  r.promote = PromoteMode::None;
  r.seed = 42;
  EXPECT_EQ(expand_name_template("{seed}_{mode}_{prompt:20}", r, sample_record(), 7), "42_fast_a_b__c_d__long_promp");
  EXPECT_EQ(expand_name_template("{id}-{width}x{height}", r, sample_record(), 7), "7-48x32");
  EXPECT_THROW(expand_name_template("{nope}", r, sample_record(), 7), Error);
}

// Names built from hostile prompts stay one file inside the export folder.
TEST(Export, NameTemplateCannotEscapeTheFolder) {
  GenerationRequest r = sample_request();
  auto name = [&](const std::string& prompt, const std::string& tpl = "{prompt}") {
    r.prompt = prompt;
    return expand_name_template(tpl, r, sample_record(), 7);
  };
  auto inside = [](const std::string& n) {
    const fs::path p = fs::path("/export") / (n + ".png");
    return p.parent_path() == "/export" && n.find('/') == std::string::npos && n.find('\\') == std::string::npos &&
           n.find('\0') == std::string::npos && n.size() <= 200 && n != ".." && n.front() != '.';
  };
  for (const std::string& p : {std::string("../../etc/passwd"), std::string(".."), std::string("/etc/passwd"),
                               std::string("..\\..\\windows"), std::string("a\0b/../c", 8), std::string(300, 'x'),
                               std::string("...hidden"), std::string("C:\\x")}) {
    EXPECT_TRUE(inside(name(p))) << name(p);
  }
  EXPECT_EQ(name("../../etc/passwd"), "_.._etc_passwd");
  EXPECT_EQ(name(".."), "image");
  EXPECT_EQ(name("...hidden"), "hidden");
  EXPECT_EQ(name("x", "../{prompt}"), "_x");  // literal template text too
  EXPECT_EQ(name("x", "/abs/{prompt}"), "_abs_x");
  EXPECT_EQ(name(std::string(300, 'x')).size(), 200u);
  // A 300-character prompt of 3-byte code points is cut at a code point, not inside one.
  std::string kana;
  for (int i = 0; i < 300; ++i) kana += "\xe3\x81\x82";
  EXPECT_EQ(name(kana).size(), 198u);
  for (const char* reserved : {"CON", "nul", "Com1", "lpt9", "aux.txt", "PRN"}) EXPECT_EQ(name(reserved), std::string("_") + reserved);
  EXPECT_EQ(name("console"), "console");
  EXPECT_EQ(name("COM0"), "COM0");
}

TEST(Export, WebPIsAskedAtRunTime) {
  // Whatever the answer, asking must agree with what encode does.
  GenerationRequest r;
  r.width = 8;
  r.height = 8;
  ExportOptions o;
  o.format = Format::WebP;
  if (format_available(Format::WebP)) {
    EXPECT_NO_THROW(encode_image(gradient(8, 8), nullptr, r, {}, o));
  } else {
    EXPECT_THROW(encode_image(gradient(8, 8), nullptr, r, {}, o), Error);
  }
}

// Metadata off: no format carries the prompt, the A1111 parameters, the ripen JSON or an XMP packet. The file
// is read back through OpenImageIO (every attribute it reports) and as raw bytes.
TEST(Export, WithoutMetadataEveryFormatCarriesNoParameters) {
  const fs::path dir = test::temp_dir("imageio_export_nometa");
  const auto req = sample_request();
  const auto rec = sample_record();
  const Image img = gradient(req.width, req.height);
  for (Format f : available_formats()) {
    SCOPED_TRACE(format_name(f));
    fs::path file = dir / ("bare_" + format_name(f) + format_extension(f));
    ExportOptions o;
    o.format = f;
    o.metadata = false;
    export_image(file, img, nullptr, req, rec, o);
    EXPECT_FALSE(read_metadata(file).has_value());
    auto in = OIIO::ImageInput::open(file.string());
    ASSERT_TRUE(in) << OIIO::geterror();
    const OIIO::ImageSpec& spec = in->spec();
    EXPECT_EQ(spec.width, img.width);
    for (const auto& p : spec.extra_attribs) {
      const std::string name = p.name().string();
      const std::string value = spec.metadata_val(p);
      SCOPED_TRACE(name + " = " + value);
      EXPECT_EQ(value.find("cosy"), std::string::npos);
      EXPECT_EQ(value.find("Steps:"), std::string::npos);
      EXPECT_EQ(value.find("ripen_metadata"), std::string::npos);
      EXPECT_EQ(name.find("XMP"), std::string::npos);
      EXPECT_NE(name, "ripen");
      EXPECT_NE(name, "parameters");
    }
    in->close();
    const std::string bytes = read_file(file);
    for (const char* needle : {"cosy", "Negative prompt", "Steps:", "ripen_metadata", "x:xmpmeta", "dreamshaper"})
      EXPECT_EQ(bytes.find(needle), std::string::npos) << needle;
    EXPECT_LE(mean_abs_diff(read_image(file), img), f == Format::Jpeg || f == Format::WebP ? 6.0 : 0.51);
  }
  // The same formats with metadata do carry it (the check above can fail).
  ExportOptions o;
  o.format = Format::Tiff16;
  export_image(dir / "with.tif", img, nullptr, req, rec, o);
  EXPECT_NE(read_file(dir / "with.tif").find("cosy"), std::string::npos);
}
