#include "lora/embedding_file.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "tensors/error.h"
#include "tensors/safetensors.h"

namespace fs = std::filesystem;

namespace ripen::lora {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

std::string pickle_message(const std::string& path) {
  return path + ": a PyTorch pickle embedding (.pt/.bin/.ckpt). Ripen never opens pickles, because unpickling runs "
                "whatever code the file carries. Use a .safetensors version of this embedding (Civitai offers most "
                "of them so), or convert it once, only if you trust it, with torch.load(..., weights_only=True) and "
                "safetensors' save_file({'emb_params': tensor})";
}

at::Tensor vectors_of(const SafeTensors& st, const std::string& key, int64_t width, const std::string& what) {
  at::Tensor t = st.tensor(key).to(at::kFloat);
  if (t.dim() == 1) t = t.unsqueeze(0);
  if (t.dim() != 2 || t.size(0) < 1 || t.size(1) != width)
    throw Error(st.path() + ": key '" + key + "': embedding vectors " + shape_str(st.info(key).shape) + " do not fit " +
                what + " (expected [n, " + std::to_string(width) + "])");
  if (!at::isfinite(t).all().item<bool>()) throw Error(st.path() + ": key '" + key + "': the embedding holds NaN or infinite values");
  return t.contiguous();
}

std::string width_name(int64_t w) {
  return w == 768 ? "768 (SD1)" : w == 1024 ? "1024 (SD2)" : w == 1280 ? "1280 (SDXL's second encoder)" : std::to_string(w);
}

bool is_pickle_path(const std::string& path) {
  const std::string ext = lower(fs::path(path).extension().string());
  return ext == ".pt" || ext == ".bin" || ext == ".ckpt" || ext == ".pth" || ext == ".pkl";
}

// Does the token sequence of `name` occur in one of the prompts (a cheap check before any file is opened)?
bool named_in(const std::vector<std::vector<int64_t>>& prompt_ids, const std::vector<int64_t>& name) {
  if (name.empty()) return false;
  for (const auto& ids : prompt_ids)
    if (std::search(ids.begin(), ids.end(), name.begin(), name.end()) != ids.end()) return true;
  return false;
}

// ComfyUI's `embedding:NAME` words (NAME up to whitespace, trailing commas dropped).
std::vector<std::string> embedding_refs(const std::string& prompt) {
  static const std::string kPrefix = "embedding:";
  std::vector<std::string> out;
  for (size_t p = prompt.find(kPrefix); p != std::string::npos; p = prompt.find(kPrefix, p + 1)) {
    if (p > 0 && !std::isspace(static_cast<unsigned char>(prompt[p - 1])) && std::string("([").find(prompt[p - 1]) == std::string::npos)
      continue;
    size_t end = p + kPrefix.size();
    while (end < prompt.size() && !std::isspace(static_cast<unsigned char>(prompt[end]))) ++end;
    std::string name = prompt.substr(p + kPrefix.size(), end - p - kPrefix.size());
    while (!name.empty() && std::string(",)]").find(name.back()) != std::string::npos) name.pop_back();
    if (!name.empty()) out.push_back(name);
  }
  return out;
}

}  // namespace

std::vector<at::Tensor> load_embedding_vectors(const std::string& path, const std::vector<int64_t>& widths) {
  if (is_pickle_path(path)) throw Error(pickle_message(path));
  if (widths.empty() || widths.size() > 2) throw Error(path + ": embeddings need a model with one or two text encoders");
  const SafeTensors st = SafeTensors::open(path);
  const bool sdxl_file = st.contains("clip_l") || st.contains("clip_g");
  if (sdxl_file) {
    if (!st.contains("clip_l") || !st.contains("clip_g"))
      throw Error(path + ": an SDXL embedding needs both 'clip_l' and 'clip_g'; the file has only '" +
                  std::string(st.contains("clip_l") ? "clip_l" : "clip_g") + "'");
    if (widths.size() != 2)
      throw Error(path + ": keys 'clip_l'/'clip_g': an SDXL embedding, but this model has one text encoder of width " +
                  width_name(widths[0]));
    at::Tensor l = vectors_of(st, "clip_l", widths[0], "SDXL's first text encoder");
    at::Tensor g = vectors_of(st, "clip_g", widths[1], "SDXL's second text encoder");
    if (l.size(0) != g.size(0))
      throw Error(path + ": 'clip_l' has " + std::to_string(l.size(0)) + " vectors but 'clip_g' " +
                  std::to_string(g.size(0)) + "; they must match");
    return {l, g};
  }
  const auto keys = st.keys();
  if (keys.size() != 1) {
    std::string list;
    for (size_t i = 0; i < keys.size() && i < 4; ++i) list += (i ? ", '" : "'") + keys[i] + "'";
    throw Error(path + ": " + std::to_string(keys.size()) + " tensors (" + list + (keys.size() > 4 ? ", ..." : "") +
                "); an embedding file holds one ('emb_params') or SDXL's 'clip_l' and 'clip_g'");
  }
  if (widths.size() == 2) {
    const auto& s = st.info(keys[0]).shape;
    throw Error(path + ": key '" + keys[0] + "' " + shape_str(s) +
                ": an SD1/SD2 embedding, but SDXL needs one with 'clip_l' [n, 768] and 'clip_g' [n, 1280]");
  }
  const int64_t w = widths[0];
  return {vectors_of(st, keys[0], w, "this model's text encoder of width " + width_name(w))};
}

std::vector<text::PromptEmbeddings> prompt_embeddings(const std::vector<std::string>& prompts,
                                                      const NetworkListing& listing, const NetworkFolders& folders,
                                                      const std::vector<TextEncoderView>& encoders) {
  std::vector<text::PromptEmbeddings> out(encoders.size());
  if (encoders.empty() || listing.networks.empty()) {
    for (const auto& p : prompts)
      for (const auto& name : embedding_refs(p)) find_network(listing, folders, NetworkKind::Embedding, name);  // throws
    return out;
  }
  const text::TokenEncoder& tok = *encoders[0].tokenizer;
  std::vector<std::vector<int64_t>> prompt_ids;
  for (const auto& p : prompts) prompt_ids.push_back(tok.encode(p));

  // name -> file: A1111's word matches, then `embedding:NAME` references
  std::vector<std::pair<std::string, const NetworkInfo*>> used;
  std::set<std::string> names;
  for (const auto& n : listing.networks) {
    if (names.count(n.name) || !named_in(prompt_ids, tok.encode(n.name))) continue;
    names.insert(n.name);
    used.emplace_back(n.name, &find_network(listing, folders, NetworkKind::Embedding, n.name));
  }
  for (const auto& p : prompts)
    for (const auto& name : embedding_refs(p))
      if (names.insert(name).second) used.emplace_back(name, &find_network(listing, folders, NetworkKind::Embedding, name));

  std::vector<int64_t> widths;
  for (const auto& e : encoders) widths.push_back(e.width);
  std::vector<std::vector<text::PromptEmbedding>> per_encoder(encoders.size());
  for (const auto& [name, info] : used) {
    const auto vectors = load_embedding_vectors(info->path, widths);
    for (size_t e = 0; e < encoders.size(); ++e) per_encoder[e].push_back({name, info->path, vectors[e]});
  }
  for (size_t e = 0; e < encoders.size(); ++e) out[e] = text::PromptEmbeddings(*encoders[e].tokenizer, std::move(per_encoder[e]));
  return out;
}

}  // namespace ripen::lora
