#include "models/catalogue.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "models/catalogue_probe.h"
#include "models/extra_model_paths.h"
#include "models/source.h"

namespace ripen::models {
namespace fs = std::filesystem;

namespace {

// Where each kind lives below an install folder. A1111 and ComfyUI spell some alike but for case; on a
// case-insensitive file system both rows find the same folder, and entries are kept once per path.
struct InstallFolder {
  const char* rel;
  ModelKind kind;
};
constexpr InstallFolder kInstallFolders[] = {
    {"models/Stable-diffusion", ModelKind::Checkpoint},  // A1111
    {"models/checkpoints", ModelKind::Checkpoint},       // ComfyUI
    {"models/unet", ModelKind::Unet},                    // ComfyUI (older name)
    {"models/diffusion_models", ModelKind::Unet},        // ComfyUI
    {"models/VAE", ModelKind::Vae},                      // A1111
    {"models/vae", ModelKind::Vae},                      // ComfyUI
    {"models/VAE-approx", ModelKind::PreviewDecoder},    // A1111
    {"models/vae_approx", ModelKind::PreviewDecoder},    // ComfyUI
    {"models/Lora", ModelKind::Lora},                    // A1111
    {"models/LyCORIS", ModelKind::Lora},                 // A1111
    {"models/loras", ModelKind::Lora},                   // ComfyUI
    {"embeddings", ModelKind::Embedding},                // A1111
    {"models/embeddings", ModelKind::Embedding},         // ComfyUI
};

struct ComfyKey {
  const char* key;
  ModelKind kind;
};
constexpr ComfyKey kComfyKeys[] = {
    {"checkpoints", ModelKind::Checkpoint}, {"unet", ModelKind::Unet},   {"diffusion_models", ModelKind::Unet},
    {"vae", ModelKind::Vae},                {"vae_approx", ModelKind::PreviewDecoder},
    {"loras", ModelKind::Lora},             {"embeddings", ModelKind::Embedding},
};

// Files that are listed but cannot be loaded, by extension.
bool is_safetensors_ext(const std::string& ext) { return ext == ".safetensors" || ext == ".sft"; }
bool is_pickle_ext(const std::string& ext) {
  return ext == ".ckpt" || ext == ".pt" || ext == ".pth" || ext == ".bin" || ext == ".pkl";
}

constexpr int kMaxDepth = 24;

std::string lower_ext(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return e;
}

std::string key_of(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::canonical(p, ec);
  return (ec ? fs::absolute(p, ec).lexically_normal() : c).string();
}

class Scanner {
 public:
  Catalogue out;

  void folder(ModelKind kind, const fs::path& dir) {
    visited_.clear();
    root_ = dir;
    walk(kind, dir, 0);
  }

  // A plain checkpoint folder, which may be a model itself.
  void checkpoint_folder(const fs::path& p) {
    std::error_code ec;
    if (!fs::exists(p, ec)) {
      out.problems.push_back(p.string() + ": model folder does not exist");
      return;
    }
    if (fs::is_regular_file(p, ec) || fs::exists(p / "model_index.json", ec)) {
      root_ = p.parent_path();
      consider(ModelKind::Checkpoint, p, fs::is_directory(p, ec));
      return;
    }
    folder(ModelKind::Checkpoint, p);
  }

 private:
  std::set<std::string> visited_;          // canonical folders of this walk: symlink loops end here
  std::set<std::pair<int, std::string>> seen_;  // (kind, canonical path): each model once per kind
  fs::path root_;

  void walk(ModelKind kind, const fs::path& dir, int depth) {
    if (!visited_.insert(key_of(dir)).second) return;
    if (depth > kMaxDepth) {
      out.problems.push_back(dir.string() + ": folders nested deeper than " + std::to_string(kMaxDepth) + ", not scanned");
      return;
    }
    std::error_code ec;
    fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
      out.problems.push_back(dir.string() + ": cannot list the folder (" + ec.message() + ")");
      return;
    }
    std::vector<fs::path> children;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) {
        out.problems.push_back(dir.string() + ": listing stopped (" + ec.message() + ")");
        break;
      }
      children.push_back(it->path());
    }
    std::sort(children.begin(), children.end());
    for (const fs::path& c : children) {
      const std::string fname = c.filename().string();
      if (!fname.empty() && fname[0] == '.') continue;  // .git, .cache, ._ files of macOS
      const fs::file_status st = fs::status(c, ec);     // follows symlinks
      if (ec || st.type() == fs::file_type::not_found) {
        if (fs::is_symlink(fs::symlink_status(c, ec))) out.problems.push_back(c.string() + ": broken link");
        continue;
      }
      if (fs::is_directory(st)) {
        if (kind == ModelKind::Checkpoint && fs::exists(c / "model_index.json", ec)) consider(kind, c, true);
        else walk(kind, c, depth + 1);
      } else if (fs::is_regular_file(st)) {
        consider(kind, c, false);
      }
    }
  }

  void consider(ModelKind kind, const fs::path& p, bool diffusers_folder) {
    const std::string ext = lower_ext(p);
    if (!diffusers_folder && !is_safetensors_ext(ext) && !is_pickle_ext(ext) && ext != ".gguf") return;
    if (!seen_.insert({int(kind), key_of(p)}).second) return;
    CatalogueEntry e;
    e.kind = kind;
    e.path = p.string();
    e.folder = root_.string();
    e.name = p.lexically_relative(root_).generic_string();
    if (e.name.empty() || e.name.rfind("..", 0) == 0) e.name = p.filename().string();
    std::error_code ec;
    if (!diffusers_folder) {
      const auto size = fs::file_size(p, ec);
      e.bytes = ec ? 0 : int64_t(size);
    }
    if (diffusers_folder) {
      e.format = "diffusers";
      probe_checkpoint(e);
    } else if (is_pickle_ext(ext)) {
      e.format = "pickle";
      e.problem = "not loadable: pickle. " + pickle_refusal(e.path, false);
    } else if (ext == ".gguf") {
      e.format = "gguf";
      e.problem = "not loadable: GGUF. " + e.path + ": quantized GGUF weights are not supported; use a .safetensors file";
    } else {
      e.format = "safetensors";
      switch (kind) {
        case ModelKind::Checkpoint: probe_checkpoint(e); break;
        case ModelKind::Unet: probe_unet(e); break;
        case ModelKind::Vae: probe_vae(e); break;
        case ModelKind::PreviewDecoder: probe_preview_decoder(e); break;
        case ModelKind::Lora:
        case ModelKind::Embedding: probe_header_only(e); break;
      }
    }
    out.entries.push_back(std::move(e));
  }
};

}  // namespace

std::string kind_name(ModelKind k) {
  switch (k) {
    case ModelKind::Checkpoint: return "checkpoint";
    case ModelKind::Unet: return "unet";
    case ModelKind::Vae: return "vae";
    case ModelKind::PreviewDecoder: return "vae_approx";
    case ModelKind::Lora: return "lora";
    case ModelKind::Embedding: return "embedding";
  }
  return "?";
}

std::vector<CatalogueEntry> Catalogue::of(ModelKind k) const {
  std::vector<CatalogueEntry> r;
  for (const auto& e : entries)
    if (e.kind == k) r.push_back(e);
  return r;
}

bool kind_from_comfy_key(const std::string& key, ModelKind& kind) {
  for (const ComfyKey& c : kComfyKeys)
    if (key == c.key) {
      kind = c.kind;
      return true;
    }
  return false;
}

std::vector<std::pair<ModelKind, std::string>> install_folders(const std::string& install) {
  std::vector<std::pair<ModelKind, std::string>> r;
  std::error_code ec;
  fs::path base = install;
  // The ComfyUI Windows portable build keeps its install one level down.
  if (!fs::is_directory(base / "models", ec) && fs::is_directory(base / "ComfyUI" / "models", ec)) base /= "ComfyUI";
  for (const InstallFolder& f : kInstallFolders) {
    const fs::path p = base / f.rel;
    if (fs::is_directory(p, ec)) r.emplace_back(f.kind, p.string());
  }
  return r;
}

namespace {

// The installs' and extra_model_paths.yaml's folders, in scan order, each with its kind.
std::vector<std::pair<ModelKind, std::string>> root_folders(const CatalogueRoots& roots, std::vector<std::string>& problems) {
  std::vector<std::pair<ModelKind, std::string>> r;
  std::error_code ec;
  for (const std::string& install : roots.installs) {
    if (!fs::is_directory(install, ec)) {
      problems.push_back(install + ": install folder does not exist");
      continue;
    }
    const auto folders = install_folders(install);
    if (folders.empty())
      problems.push_back(install + ": neither an AUTOMATIC1111 nor a ComfyUI install (no models/Stable-diffusion "
                                   "or models/checkpoints folder)");
    r.insert(r.end(), folders.begin(), folders.end());
  }
  for (const std::string& yaml : roots.extra_model_paths) {
    ExtraModelPaths extra = read_extra_model_paths(yaml);
    problems.insert(problems.end(), extra.problems.begin(), extra.problems.end());
    for (const ExtraModelPath& p : extra.paths) {
      ModelKind kind;
      if (!kind_from_comfy_key(p.kind, kind)) continue;  // controlnet, clip, upscale_models...: not Ripen's
      if (!fs::is_directory(p.path, ec)) {
        problems.push_back(p.origin + ": section '" + p.section + "' key '" + p.kind + "': '" + p.path +
                           "' does not exist");
        continue;
      }
      r.emplace_back(kind, p.path);
    }
  }
  return r;
}

}  // namespace

std::vector<std::string> kind_folders(const CatalogueRoots& roots, ModelKind kind, std::vector<std::string>* problems) {
  std::vector<std::string> ignored, r;
  for (const auto& [k, dir] : root_folders(roots, problems ? *problems : ignored))
    if (k == kind) r.push_back(dir);
  return r;
}

Catalogue scan_kind(ModelKind kind, const std::vector<std::string>& folders) {
  Scanner s;
  std::error_code ec;
  for (const std::string& dir : folders) {
    if (!fs::is_directory(dir, ec)) {
      s.out.problems.push_back(dir + ": " + kind_name(kind) + " folder does not exist");
      continue;
    }
    s.folder(kind, dir);
  }
  return std::move(s.out);
}

Catalogue scan_catalogue(const CatalogueRoots& roots) {
  Scanner s;
  for (const auto& [kind, dir] : root_folders(roots, s.out.problems)) s.folder(kind, dir);
  for (const std::string& f : roots.checkpoint_folders) s.checkpoint_folder(f);
  std::stable_sort(s.out.entries.begin(), s.out.entries.end(),
                   [](const CatalogueEntry& a, const CatalogueEntry& b) { return int(a.kind) < int(b.kind); });
  return std::move(s.out);
}

}  // namespace ripen::models
