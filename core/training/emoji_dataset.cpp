#include "training/emoji_dataset.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tensors/error.h"
#include "tensors/json_file.h"
#include "tensors/safetensors.h"

namespace ripen::training {

namespace fs = std::filesystem;
using nlohmann::json;

uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

bool emoji_held_out(const std::string& unified, int* held_out_style_index) {
  uint64_t h = fnv1a64(unified);
  if (held_out_style_index) *held_out_style_index = ((h >> 8) & 1) ? 0 : 1;
  return h % 10 == 0;
}

namespace {

std::string words(std::string s) {
  for (char& c : s) {
    if (c == '_' || c == '-') c = ' ';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

}  // namespace

std::vector<std::string> emoji_captions(const std::string& name, const std::vector<std::string>& short_names,
                                        const std::string& category, const std::string& subcategory,
                                        const std::string& style) {
  std::string n = words(name);
  std::string shorts;
  for (size_t i = 0; i < short_names.size() && i < 2; ++i) shorts += (i ? ", " : "") + words(short_names[i]);
  if (shorts.empty()) shorts = n;
  (void)category;
  return {n + ", " + style, style + " emoji of " + shorts, n, words(subcategory) + ": " + n + ", " + style};
}

std::vector<int64_t> EmojiDataset::indices(bool eval) const {
  std::vector<int64_t> out;
  auto e = is_eval.to(at::kBool).contiguous();
  const bool* p = e.data_ptr<bool>();
  for (int64_t i = 0; i < e.numel(); ++i)
    if (p[i] == eval) out.push_back(i);
  return out;
}

EmojiDataset build_emoji_dataset(const std::vector<EmojiSource>& sources, const ImageReader& read_rgba, int limit) {
  if (sources.empty()) throw Error("build_emoji_dataset: no sources");
  const json list = read_json_file(sources[0].emoji_json);
  if (!list.is_array()) throw Error(sources[0].emoji_json + ": expected a JSON array of emoji entries");
  std::vector<json> entries(list.begin(), list.end());
  std::stable_sort(entries.begin(), entries.end(),
                   [](const json& a, const json& b) { return a.value("sort_order", 0) < b.value("sort_order", 0); });

  EmojiDataset ds;
  for (const auto& s : sources) {
    ds.style_names.push_back(s.style);
    ds.sources[s.package] = s.style;
  }
  std::vector<uint8_t> pixels;
  std::vector<int64_t> class_ids, styles;
  std::vector<uint8_t> evals;
  for (const auto& e : entries) {
    if (limit > 0 && static_cast<int>(ds.classes.size()) >= limit) break;
    std::string category = e.value("category", "");
    if (category == "Component") continue;
    std::string unified = e.value("unified", "");
    std::string image = e.value("image", "");
    std::string name = e["name"].is_string() ? e["name"].get<std::string>() : e.value("short_name", "");
    if (unified.empty() || image.empty() || name.empty()) continue;
    std::vector<std::string> shorts;
    if (e.contains("short_names") && e["short_names"].is_array())
      for (const auto& s : e["short_names"]) shorts.push_back(s.get<std::string>());
    std::vector<int> present;
    for (size_t si = 0; si < sources.size(); ++si)
      if (e.value(sources[si].has_image_key, false) && fs::exists(fs::path(sources[si].image_dir) / image))
        present.push_back(static_cast<int>(si));
    if (present.empty()) continue;
    int held_style = -1;
    bool held = present.size() == sources.size() && sources.size() > 1 && emoji_held_out(unified, &held_style);
    int64_t cls = static_cast<int64_t>(ds.classes.size());
    ds.classes.push_back({unified, name});
    for (int si : present) {
      Image8 rgba = read_rgba((fs::path(sources[si].image_dir) / image).string());
      if (rgba.width != kEmojiSize || rgba.height != kEmojiSize || rgba.channels != 4)
        throw Error(sources[si].image_dir + "/" + image + ": expected 64x64 RGBA");
      for (size_t p = 0; p < rgba.pixels.size(); p += 4) {  // composite onto white
        int a = rgba.pixels[p + 3];
        for (int c = 0; c < 3; ++c) pixels.push_back(static_cast<uint8_t>((rgba.pixels[p + c] * a + 255 * (255 - a) + 127) / 255));
      }
      class_ids.push_back(cls);
      styles.push_back(si);
      evals.push_back(held && si == held_style ? 1 : 0);
      ds.captions.push_back(emoji_captions(name, shorts, category, e.value("subcategory", ""), sources[si].style));
    }
  }
  int64_t n = static_cast<int64_t>(class_ids.size());
  if (n == 0) throw Error("build_emoji_dataset: no images found (check the image folders)");
  ds.images = at::from_blob(pixels.data(), {n, kEmojiSize, kEmojiSize, 3}, at::kByte).clone();
  ds.class_ids = at::tensor(class_ids, at::kLong);
  ds.styles = at::tensor(styles, at::kLong);
  ds.is_eval = at::from_blob(evals.data(), {n}, at::kByte).clone().to(at::kBool);
  ds.sources.clear();
  for (const auto& s : sources) ds.sources[s.package] = s.style;
  return ds;
}

void EmojiDataset::save(const std::string& path) const {
  auto img = images.contiguous();
  int64_t n = img.size(0);
  const uint8_t* src = img.data_ptr<uint8_t>();
  std::vector<int16_t> spans;
  std::vector<uint8_t> packed;
  for (int64_t i = 0; i < n; ++i)
    for (int y = 0; y < kEmojiSize; ++y) {
      const uint8_t* row = src + ((i * kEmojiSize + y) * kEmojiSize) * 3;
      int x0 = 0, x1 = kEmojiSize;
      auto white = [&](int x) { return row[3 * x] == 255 && row[3 * x + 1] == 255 && row[3 * x + 2] == 255; };
      while (x0 < x1 && white(x0)) ++x0;
      while (x1 > x0 && white(x1 - 1)) --x1;
      spans.push_back(static_cast<int16_t>(x0));
      spans.push_back(static_cast<int16_t>(x1));
      packed.insert(packed.end(), row + 3 * x0, row + 3 * x1);
    }
  std::map<std::string, at::Tensor> t;
  t["spans"] = at::from_blob(spans.data(), {n, kEmojiSize, 2}, at::kShort).clone();
  t["pixels"] = at::from_blob(packed.data(), {static_cast<int64_t>(packed.size())}, at::kByte).clone();
  t["class_ids"] = class_ids;
  t["styles"] = styles;
  t["eval"] = is_eval.to(at::kByte);
  if (tokens.defined()) t["tokens"] = tokens.to(at::kShort);
  json classes_json = json::array();
  for (const auto& c : classes) classes_json.push_back({{"unified", c.unified}, {"name", c.name}});
  std::map<std::string, std::string> meta{{"format", "ripen-emoji-v1"},
                                          {"captions", json(captions).dump()},
                                          {"classes", classes_json.dump()},
                                          {"styles", json(style_names).dump()},
                                          {"sources", json(sources).dump()},
                                          {"background", "white"}};
  save_safetensors(path, t, meta);
}

EmojiDataset EmojiDataset::load(const std::string& path) {
  auto st = SafeTensors::open(path);
  auto meta = st.metadata();
  if (meta["format"] != "ripen-emoji-v1") throw Error(path + ": not a ripen emoji dataset (format 'ripen-emoji-v1')");
  EmojiDataset ds;
  auto spans = st.tensor("spans").contiguous();
  auto packed = st.tensor("pixels").contiguous();
  int64_t n = spans.size(0);
  ds.images = at::full({n, kEmojiSize, kEmojiSize, 3}, 255, at::kByte);
  uint8_t* dst = ds.images.data_ptr<uint8_t>();
  const int16_t* sp = spans.data_ptr<int16_t>();
  const uint8_t* src = packed.data_ptr<uint8_t>();
  int64_t pos = 0, total = packed.numel();
  for (int64_t r = 0; r < n * kEmojiSize; ++r) {
    int x0 = sp[2 * r], x1 = sp[2 * r + 1];
    if (x0 < 0 || x1 > kEmojiSize || x0 > x1 || pos + 3 * (x1 - x0) > total) throw Error(path + ": key 'spans': corrupt");
    std::copy(src + pos, src + pos + 3 * (x1 - x0), dst + (r * kEmojiSize + x0) * 3);
    pos += 3 * (x1 - x0);
  }
  ds.class_ids = st.tensor("class_ids").to(at::kLong).clone();
  ds.styles = st.tensor("styles").to(at::kLong).clone();
  ds.is_eval = st.tensor("eval").to(at::kBool).clone();
  if (st.contains("tokens")) ds.tokens = st.tensor("tokens").to(at::kLong).clone();
  try {
    ds.captions = json::parse(meta["captions"]).get<std::vector<std::vector<std::string>>>();
    for (const auto& c : json::parse(meta["classes"])) ds.classes.push_back({c.at("unified"), c.at("name")});
    ds.style_names = json::parse(meta["styles"]).get<std::vector<std::string>>();
    ds.sources = json::parse(meta["sources"]).get<std::map<std::string, std::string>>();
  } catch (const std::exception& e) {
    throw Error(path + ": bad metadata: " + e.what());
  }
  if (static_cast<int64_t>(ds.captions.size()) != n || ds.class_ids.numel() != n)
    throw Error(path + ": captions/class_ids do not match the image count");
  return ds;
}

at::Tensor images_to_float(const at::Tensor& images_u8, const at::Device& device) {
  return images_u8.to(device).permute({0, 3, 1, 2}).to(at::kFloat).div(127.5).sub(1.0).contiguous();
}

}  // namespace ripen::training
