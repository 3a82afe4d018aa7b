#include "lora/network_folders.h"

#include <algorithm>
#include <filesystem>

#include "lora/network_metadata.h"
#include "models/catalogue.h"
#include "models/source.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

namespace fs = std::filesystem;

namespace ripen::lora {
namespace {

models::ModelKind model_kind(NetworkKind k) {
  return k == NetworkKind::Lora ? models::ModelKind::Lora : models::ModelKind::Embedding;
}

// A1111's find_preview: for each allowed extension, NAME.ext then NAME.preview.ext.
std::string find_preview(const fs::path& file) {
  const fs::path base = file.parent_path() / file.stem();
  std::error_code ec;
  for (const char* ext : {"png", "jpg", "jpeg", "webp", "gif"})
    for (const char* middle : {".", ".preview."}) {
      fs::path p = base;
      p += std::string(middle) + ext;
      if (fs::is_regular_file(p, ec)) return p.string();
    }
  return {};
}

// Tokens per use: one tensor [n, C] or [C] (A1111 emb_params / diffusers concept), or SDXL's clip_g rows.
int64_t embedding_vectors(const SafeTensors& st) {
  if (st.contains("clip_g")) {
    const auto& s = st.info("clip_g").shape;
    return s.size() == 2 ? s[0] : 0;
  }
  if (st.tensors().size() != 1) return 0;
  const auto& s = st.tensors()[0].shape;
  return s.size() == 1 ? 1 : s.size() == 2 ? s[0] : 0;
}

// Without metadata the keys can still tell SDXL LoRAs (two text encoders, LDM UNet names).
std::string arch_from_keys(const SafeTensors& st) {
  for (const auto& t : st.tensors()) {
    const std::string& k = t.name;
    if (k.rfind("lora_te2_", 0) == 0 || k.rfind("lora_unet_input_blocks_", 0) == 0 ||
        k.rfind("lora_unet_output_blocks_", 0) == 0 || k.rfind("text_encoder_2.", 0) == 0)
      return "sdxl";
  }
  return "";
}

std::string embedding_arch(const SafeTensors& st) {
  if (st.contains("clip_g") && st.contains("clip_l")) return "sdxl";
  if (st.tensors().size() != 1) return "";
  const auto& s = st.tensors()[0].shape;
  const int64_t width = s.empty() ? 0 : s.back();
  return width == 768 ? "sd1" : width == 1024 ? "sd2" : "";
}

NetworkInfo from_entry(const models::CatalogueEntry& e, NetworkKind kind) {
  NetworkInfo n;
  n.kind = kind;
  n.path = e.path;
  n.folder = e.folder;
  n.relative = e.name;
  n.name = fs::path(e.path).stem().string();
  n.bytes = e.bytes;
  n.format = e.format == "pickle" ? "pickle" : "safetensors";
  n.problem = e.problem;
  n.preview = find_preview(e.path);
  if (n.format == "pickle") {
    n.problem = e.path + ": a PyTorch pickle (.pt/.ckpt/.bin): Ripen never opens one, because loading a pickle runs "
                         "whatever code it contains. Use the .safetensors version of this " + kind_name(kind) + ".";
    return n;
  }
  try {
    const SafeTensors st = SafeTensors::open(e.path);
    describe_from_metadata(n, st.metadata());
    if (kind == NetworkKind::Embedding) {
      n.vectors = embedding_vectors(st);
      if (n.arch.empty()) n.arch = embedding_arch(st);
    } else if (n.arch.empty() || n.arch == "sd1") {
      if (std::string k = arch_from_keys(st); !k.empty()) n.arch = k;
    }
  } catch (const std::exception& ex) {
    if (n.problem.empty()) n.problem = ex.what();
  }
  return n;
}

std::string folder_list(const std::vector<std::string>& folders) {
  std::string s;
  for (const auto& f : folders) s += (s.empty() ? "" : ", ") + f;
  return s;
}

std::string strip_ext(const std::string& rel) {
  const fs::path p(rel);
  return (p.parent_path() / p.stem()).generic_string();
}

}  // namespace

std::string kind_name(NetworkKind k) { return k == NetworkKind::Lora ? "LoRA" : "embedding"; }

NetworkFolders NetworkFolders::from_roots(const models::CatalogueRoots& roots) {
  NetworkFolders f;
  f.lora = models::kind_folders(roots, models::ModelKind::Lora, &f.problems);
  f.embeddings = models::kind_folders(roots, models::ModelKind::Embedding);
  return f;
}

NetworkListing list_networks(const NetworkFolders& folders, NetworkKind kind) {
  const models::Catalogue c = models::scan_kind(model_kind(kind), folders.of(kind));
  NetworkListing out;
  out.problems = c.problems;
  for (const auto& e : c.entries)
    if (e.format == "safetensors" || e.format == "pickle") out.networks.push_back(from_entry(e, kind));
  return out;
}

NetworkInfo network_info(const std::string& path, NetworkKind kind, const std::string& folder) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(path + ": " + kind_name(kind) + " file does not exist");
  models::CatalogueEntry e;
  e.path = path;
  e.folder = folder.empty() ? fs::path(path).parent_path().string() : folder;
  e.name = fs::path(path).lexically_relative(e.folder).generic_string();
  if (e.name.empty() || e.name.rfind("..", 0) == 0) e.name = fs::path(path).filename().string();
  const auto size = fs::file_size(path, ec);
  e.bytes = ec ? 0 : int64_t(size);
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  e.format = (ext == ".safetensors" || ext == ".sft") ? "safetensors" : "pickle";
  return from_entry(e, kind);
}

const NetworkInfo& find_network(const NetworkListing& listing, const NetworkFolders& folders, NetworkKind kind,
                                const std::string& name) {
  using Rule = bool (*)(const NetworkInfo&, const std::string&);
  const Rule rules[] = {
      [](const NetworkInfo& n, const std::string& s) { return n.relative == s || strip_ext(n.relative) == s; },
      [](const NetworkInfo& n, const std::string& s) { return n.name == s; },
      [](const NetworkInfo& n, const std::string& s) { return n.kind == NetworkKind::Lora && !n.alias.empty() && n.alias == s; },
  };
  for (Rule rule : rules) {
    std::vector<const NetworkInfo*> hits;
    for (const auto& n : listing.networks)
      if (rule(n, name)) hits.push_back(&n);
    if (hits.empty()) continue;
    if (hits.size() > 1) {
      std::string list;
      for (const auto* h : hits) list += "\n  " + h->relative + "  (" + h->path + ")";
      throw Error(kind_name(kind) + " '" + name + "' is ambiguous: " + std::to_string(hits.size()) +
                  " files fit it; write its path below the folder instead (e.g. '" + strip_ext(hits[0]->relative) +
                  "'):" + list);
    }
    const NetworkInfo& n = *hits[0];
    if (!n.usable()) throw Error(kind_name(kind) + " '" + name + "': " + n.problem);
    return n;
  }
  const auto& searched = folders.of(kind);
  if (searched.empty())
    throw Error(kind_name(kind) + " '" + name + "' not found: no " + kind_name(kind) +
                " folders are configured (add an AUTOMATIC1111 or ComfyUI install, or an extra_model_paths.yaml, in "
                "the settings)");
  throw Error(kind_name(kind) + " '" + name + "' not found: no file '" + name + ".safetensors'" +
              (kind == NetworkKind::Lora ? std::string(" (nor one whose ss_output_name is '") + name + "')" : "") +
              " below " + folder_list(searched));
}

}  // namespace ripen::lora
