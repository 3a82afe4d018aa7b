#pragma once
// The emoji training set: 64×64 RGB images composited onto white, each with caption variants, an emoji class
// id (for the classifier) and a fixed train/eval split.
//
// Held-out part (documented contract): an emoji whose unified code point string hashes (FNV-1a 64 of e.g.
// "1F600") to 0 mod 10 and that exists in both styles has ONE of its two style images held out (google when
// bit 8 of the hash is set, twitter otherwise). Held-out prompts are therefore unseen (emoji, style) pairs whose
// emoji the models know from the other style, and the classifier (trained on the train part only) knows every
// class.
//
// On disk: one safetensors file (format "ripen-emoji-v1"). Images are stored row-packed to stay small: for each
// row only the span [x0, x1) that is not pure white is kept ("spans" int16 [N,64,2], "pixels" uint8 [P]).
// "class_ids" int64 [N], "styles" int64 [N], "eval" uint8 [N], optional "tokens" int16 [N,V,L] (caption
// token ids after `train tokenizer`). Metadata: "captions" (JSON [[str]*V]*N), "classes" (JSON [{unified,name}]),
// "styles" (JSON [str]), "sources".
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

#include "training/image8.h"

namespace ripen::training {

constexpr int kEmojiSize = 64;
constexpr int kCaptionVariants = 4;

struct EmojiClass {
  std::string unified;
  std::string name;
};

struct EmojiDataset {
  at::Tensor images;     // uint8 [N,64,64,3]
  at::Tensor class_ids;  // int64 [N]
  at::Tensor styles;     // int64 [N], index into style_names
  at::Tensor is_eval;    // bool [N]
  at::Tensor tokens;     // int64 [N,V,L] or undefined
  std::vector<std::vector<std::string>> captions;  // [N][V]
  std::vector<EmojiClass> classes;
  std::vector<std::string> style_names;
  std::map<std::string, std::string> sources;      // package -> version

  int64_t size() const { return images.defined() ? images.size(0) : 0; }
  std::vector<int64_t> indices(bool eval) const;   // rows of the train or eval part

  void save(const std::string& path) const;
  static EmojiDataset load(const std::string& path);
};

// One art style's images: emoji.json (from the emoji-datasource package) and the folder of 64 px PNGs.
struct EmojiSource {
  std::string style;        // "google style"
  std::string emoji_json;   // path to emoji.json
  std::string image_dir;    // folder with <image> files (img/<set>/64)
  std::string has_image_key;  // "has_img_google"
  std::string package;      // "emoji-datasource-google@16.0.0"
};

// Builds the set from the sources (base emoji only: no skin-tone variants, no "Component" category).
// `read_rgba` decodes each 64 px image file; `limit` > 0 keeps only the first `limit` emoji (tests).
EmojiDataset build_emoji_dataset(const std::vector<EmojiSource>& sources, const ImageReader& read_rgba, int limit = 0);

// The documented hold-out rule.
uint64_t fnv1a64(const std::string& s);
bool emoji_held_out(const std::string& unified, int* held_out_style_index);

// The caption variants of one image.
std::vector<std::string> emoji_captions(const std::string& name, const std::vector<std::string>& short_names,
                                        const std::string& category, const std::string& subcategory,
                                        const std::string& style);

// Images as float [N,3,64,64] in [-1, 1] on `device` (rows `idx`).
at::Tensor images_to_float(const at::Tensor& images_u8, const at::Device& device);

}  // namespace ripen::training
