// PNGs as AUTOMATIC1111 and ComfyUI write them (tests/imageio/data/README.md) import with their settings.
#include <gtest/gtest.h>
#include <zlib.h>

#include "imageio/comfyui_import.h"
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
fs::path data(const char* name) { return fs::path(RIPEN_IMAGEIO_DATA) / name; }

// An 8x8 PNG with no text chunks plus the given ones (Pillow's tEXt/iTXt rule).
fs::path make_png(const fs::path& dir, const char* name, const std::vector<PngText>& texts) {
  Image img{8, 8, std::vector<uint8_t>(8 * 8 * 3, 128)};
  ExportOptions o;
  std::string plain = encode_image(img, nullptr, GenerationRequest{}, GenerationRecord{}, o);
  std::string bytes = rewrite_png_text(plain, texts, {"parameters", "ripen"});
  write_file_atomic(dir / name, bytes);
  return dir / name;
}
}  // namespace

TEST(ImportSamples, Automatic1111Png) {
  fs::path dir = test::temp_dir("import_a1111");
  std::string text = read_file(data("a1111_parameters.txt"));
  fs::path png = make_png(dir, "00012-3456789012.png", {{"parameters", text}});
  // Pillow writes this text (it has "é", Latin-1) as tEXt: check our sample is stored that way.
  EXPECT_NE(read_file(png).find("tEXtparameters"), std::string::npos);
  auto meta = read_metadata(png);
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->source, MetadataSource::A1111);
  const GenerationRequest& r = meta->request;
  EXPECT_EQ(r.prompt, "masterpiece, best quality, 1girl, (red hair:1.2), looking at viewer, caf\xc3\xa9 terrace at night");
  EXPECT_EQ(r.negative_prompt, "lowres, bad anatomy, bad hands, text, error");
  EXPECT_EQ(r.steps, 28);
  EXPECT_EQ(r.sampler, "dpmpp_2m");
  EXPECT_EQ(r.schedule, "karras");
  EXPECT_DOUBLE_EQ(r.cfg, 7.0);
  EXPECT_EQ(r.seed, 3456789012ull);
  EXPECT_EQ(r.width, 512);
  EXPECT_EQ(r.height, 768);
  EXPECT_EQ(r.clip_skip, 2);
  EXPECT_EQ(r.noise, NoiseSource::Cpu);
  EXPECT_EQ(r.preset, Preset::Custom);
  EXPECT_EQ(meta->record.model_hash, "6ce0161689");
  EXPECT_EQ(meta->record.model_name, "v1-5-pruned-emaonly");
}

TEST(ImportSamples, ComfyUIPngPromptAndWorkflow) {
  fs::path dir = test::temp_dir("import_comfy");
  std::string prompt = read_file(data("comfyui_default_prompt.json"));
  std::string workflow = read_file(data("comfyui_default_workflow.json"));
  while (!prompt.empty() && prompt.back() == '\n') prompt.pop_back();
  while (!workflow.empty() && workflow.back() == '\n') workflow.pop_back();
  fs::path png = make_png(dir, "ComfyUI_00001_.png", {{"prompt", prompt}, {"workflow", workflow}});
  auto meta = read_metadata(png);
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->source, MetadataSource::ComfyUI);
  auto check = [](const GenerationRequest& r) {
    EXPECT_EQ(r.seed, 156680208700286ull);
    EXPECT_EQ(r.steps, 20);
    EXPECT_DOUBLE_EQ(r.cfg, 8.0);
    EXPECT_EQ(r.sampler, "euler");
    EXPECT_EQ(r.schedule, "discrete");
    EXPECT_EQ(r.prompt, "beautiful scenery nature glass bottle landscape, , purple galaxy bottle,");
    EXPECT_EQ(r.negative_prompt, "text, watermark");
    EXPECT_EQ(r.width, 512);
    EXPECT_EQ(r.height, 512);
    EXPECT_EQ(r.model, "v1-5-pruned-emaonly.safetensors");
    EXPECT_EQ(r.noise, NoiseSource::Cpu);
  };
  check(meta->request);
  EXPECT_EQ(meta->record.model_name, "v1-5-pruned-emaonly");
  // The editor graph alone (older ComfyUI files, or files whose prompt chunk was stripped) gives the same.
  auto from_workflow = parse_comfyui("", workflow);
  ASSERT_TRUE(from_workflow);
  check(from_workflow->request);
}

// ComfyUI's own example graphs (data/README.md), stored as the PNG "prompt" chunk its SaveImage writes.
std::optional<ImageMetadata> comfy_example(const char* name) {
  std::string prompt = read_file(data(name));
  while (!prompt.empty() && prompt.back() == '\n') prompt.pop_back();
  return read_metadata(make_png(test::temp_dir("import_comfy_example"), "ComfyUI_00001_.png", {{"prompt", prompt}}));
}

TEST(ImportSamples, ComfyUIBasicApiExampleSd15) {
  auto meta = comfy_example("comfyui_basic_api_sd15_prompt.json");
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->source, MetadataSource::ComfyUI);
  const GenerationRequest& r = meta->request;
  EXPECT_EQ(r.prompt, "masterpiece best quality girl");
  EXPECT_EQ(r.negative_prompt, "bad hands");
  EXPECT_FALSE(meta->negative_zeroed);
  EXPECT_EQ(r.seed, 8566257ull);
  EXPECT_EQ(r.steps, 20);
  EXPECT_DOUBLE_EQ(r.cfg, 8.0);
  EXPECT_EQ(r.sampler, "euler");
  EXPECT_EQ(r.schedule, "discrete");
  EXPECT_EQ(r.width, 512);
  EXPECT_EQ(r.height, 512);
  EXPECT_EQ(r.model, "v1-5-pruned-emaonly.safetensors");
  EXPECT_TRUE(meta->notes.empty());
}

// The base stage's negative is ConditioningZeroOut(positive): it imports empty and marked, not as "a photo of a
// cat"; the refiner KSamplerAdvanced (node 14, from step 32, refiner checkpoint) is reported in the notes.
TEST(ImportSamples, ComfyUIDefaultGraphSdxlBaseAndRefiner) {
  auto meta = comfy_example("comfyui_default_graph_sdxl1_0_prompt.json");
  ASSERT_TRUE(meta);
  const GenerationRequest& r = meta->request;
  EXPECT_EQ(r.prompt, "a photo of a cat");
  EXPECT_EQ(r.negative_prompt, "");
  EXPECT_TRUE(meta->negative_zeroed);
  EXPECT_EQ(r.seed, 42ull);
  EXPECT_EQ(r.steps, 20);
  EXPECT_DOUBLE_EQ(r.cfg, 7.5);
  EXPECT_EQ(r.width, 1024);
  EXPECT_EQ(r.height, 1024);
  EXPECT_EQ(r.model, "sd_xl_base_1.0.safetensors");
  ASSERT_EQ(meta->notes.size(), 2u);
  EXPECT_NE(meta->notes[0].find("node 14"), std::string::npos) << meta->notes[0];
  EXPECT_NE(meta->notes[0].find("step 32"), std::string::npos) << meta->notes[0];
  EXPECT_NE(meta->notes[0].find("sd_xl_refiner_1.0.safetensors"), std::string::npos) << meta->notes[0];
  EXPECT_NE(meta->notes[1].find("negative: ConditioningZeroOut"), std::string::npos) << meta->notes[1];
}

// Hostile graphs (fields of the wrong type, nodes that are not objects) give nullopt or a request, never a throw.
TEST(ImportSamples, ComfyUIHostileGraphTypes) {
  EXPECT_NO_THROW(parse_comfyui(R"({"1": {"class_type": 7, "inputs": {}}, "2": 5,
      "3": {"class_type": "KSampler", "inputs": {"sampler_name": 3, "scheduler": [], "positive": ["2", 0],
      "negative": ["1", 0], "model": ["9", 0]}}})", ""));
  EXPECT_NO_THROW(parse_comfyui("", R"({"nodes": [{"id": 1, "type": 4, "inputs": [7, {"name": 3}]},
      {"id": 2, "type": "KSampler", "inputs": [{"name": "positive", "link": 1}], "widgets_values": []}],
      "links": [[1, 1, 0, 2, 0]]})"));
  auto sampler_only = parse_comfyui(R"({"3": {"class_type": "KSampler", "inputs": {"sampler_name": 3}}})", "");
  ASSERT_TRUE(sampler_only);
  EXPECT_EQ(sampler_only->request.schedule, "discrete");
}

// A zTXt chunk of `key` holding `zeros` NUL-free bytes ('a'), deflated: a few kilobytes on disk.
std::string ztxt_bomb(const std::string& key, size_t zeros) {
  const std::string text(zeros, 'a');
  uLongf n = compressBound(text.size());
  std::string z(n, '\0');
  compress2(reinterpret_cast<Bytef*>(z.data()), &n, reinterpret_cast<const Bytef*>(text.data()), text.size(), 9);
  z.resize(n);
  const std::string data = key + std::string(2, '\0') + z;  // keyword, NUL, method 0
  std::string chunk;
  for (int s = 24; s >= 0; s -= 8) chunk += char((data.size() >> s) & 0xff);
  const std::string body = "zTXt" + data;
  chunk += body;
  const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size());
  for (int s = 24; s >= 0; s -= 8) chunk += char((crc >> s) & 0xff);
  return chunk;
}

std::string with_chunks_after_ihdr(const std::string& png, const std::string& chunks) {
  return png.substr(0, 33) + chunks + png.substr(33);  // signature (8) + IHDR (25)
}

// Compressed-text bombs are bounded for the whole file, not only per chunk: two chunks of 40 MiB each fail with
// a clear message, one of them reads.
TEST(ImportSamples, PngTextBombsAreBounded) {
  fs::path dir = test::temp_dir("import_bomb");
  const std::string plain = read_file(make_png(dir, "plain.png", {}));
  const std::string one = with_chunks_after_ihdr(plain, ztxt_bomb("parameters", size_t(40) << 20));
  ASSERT_LT(one.size(), 200000u);
  EXPECT_EQ(read_png_text(one).at(0).text.size(), size_t(40) << 20);
  const std::string two = with_chunks_after_ihdr(plain, ztxt_bomb("a", size_t(40) << 20) + ztxt_bomb("b", size_t(40) << 20));
  try {
    read_png_text(two);
    ADD_FAILURE() << "two 40 MiB text chunks were read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("more than 64 MiB"), std::string::npos) << e.what();
  }
}

// Found by fuzz_png_text: a PNG cut off before IDAT/IEND lost the added text silently; now it says so.
TEST(ImportSamples, RewriteOfTruncatedPngFails) {
  const std::string plain = read_file(make_png(test::temp_dir("import_truncated"), "plain.png", {}));
  EXPECT_THROW(rewrite_png_text(plain.substr(0, 33), {{"ripen", "x"}}, {}), Error);
  EXPECT_NO_THROW(rewrite_png_text(plain.substr(0, 33), {}, {"ripen"}));
}

// Metadata from another tool that looks like a path or a command stays text: the prompt imports byte for byte
// and nothing is read or run from it.
TEST(ImportSamples, HostileMetadataImportsAsText) {
  fs::path dir = test::temp_dir("import_hostile");
  const std::string prompt = "$(touch " + (dir / "pwned").string() + "); `id` ../../../etc/passwd";
  const std::string text = prompt + "\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 512x512, Model: ../../../etc/passwd";
  auto meta = read_metadata(make_png(dir, "hostile.png", {{"parameters", text}}));
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->request.prompt, prompt);
  EXPECT_EQ(meta->record.model_name, "../../../etc/passwd");
  EXPECT_FALSE(fs::exists(dir / "pwned"));
}

TEST(ImportSamples, FileWithoutSettings) {
  fs::path dir = test::temp_dir("import_none");
  fs::path png = make_png(dir, "plain.png", {{"Title", "holiday"}});
  EXPECT_FALSE(read_metadata(png).has_value());
}
