#pragma once
// The LoRA / LyCORIS networks and textual-inversion embeddings in the user's folders: which folders are searched,
// what each file says about itself (from its safetensors header only: no weights read, nothing hashed), and
// NAME -> file as AUTOMATIC1111 resolves <lora:NAME:...> (extensions-builtin/Lora/networks.py
// list_available_networks: every file below the folders, recursively, known by its stem and by its
// `ss_output_name` metadata alias).
//
// Folders (models/catalogue.h install_folders, models/extra_model_paths.h):
//   LoRA:       <install>/models/Lora, models/LyCORIS (A1111), models/loras (ComfyUI), extra_model_paths.yaml `loras`
//   embeddings: <install>/embeddings (A1111), models/embeddings (ComfyUI), extra_model_paths.yaml `embeddings`
// plus any folders the caller adds. A file reached through two folders (a symlink) is listed once.
//
// Unlike A1111, where the last of two same-named files silently wins, a name that fits several files is an
// error naming each of them; the relative path ("styles/ink" or "styles/ink.safetensors", ComfyUI's lora_name)
// picks one.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ripen::models { struct CatalogueRoots; }

namespace ripen::lora {

enum class NetworkKind { Lora, Embedding };
std::string kind_name(NetworkKind k);  // "LoRA", "embedding"

struct NetworkFolders {
  std::vector<std::string> lora;        // searched recursively, in this order
  std::vector<std::string> embeddings;
  std::vector<std::string> problems;    // roots that do not exist, bad extra_model_paths.yaml lines

  // From Ripen's configured roots (the installs and extra_model_paths.yaml files of models::CatalogueRoots; its
  // checkpoint_folders hold no networks). Only folders that exist; never throws.
  static NetworkFolders from_roots(const models::CatalogueRoots& roots);
  const std::vector<std::string>& of(NetworkKind k) const { return k == NetworkKind::Lora ? lora : embeddings; }
};

struct TagCount {
  std::string tag;
  int64_t count = 0;
  bool operator==(const TagCount&) const = default;
};

struct NetworkInfo {
  NetworkKind kind = NetworkKind::Lora;
  std::string name;      // the file's stem: <lora:NAME>, and the prompt word of an embedding
  std::string alias;     // `ss_output_name` when the file has one, else empty (also a valid NAME for a LoRA)
  std::string path;      // the file
  std::string folder;    // the searched folder it was found below
  std::string relative;  // its path below that folder: "styles/ink.safetensors"
  int64_t bytes = 0;
  std::string format;    // "safetensors" or "pickle"
  std::string problem;   // why Ripen cannot use it (a pickle, an unreadable header); empty when it can
  // What the panel shows; all from `__metadata__`, empty when the file does not say.
  std::vector<TagCount> tags;   // trigger words: ss_tag_frequency summed over its datasets, most frequent first
  std::string trigger_phrase;   // modelspec.trigger_phrase
  std::string title, description, author;  // modelspec.title / .description / .author
  std::string base_model;       // ss_base_model_version, else modelspec.architecture, as written
  std::string arch;             // "sd1", "sd2", "sdxl" from the metadata (A1111's detect_version); "" unknown
  std::string preview;          // an image beside the file (A1111: NAME.png, NAME.preview.png, .jpg, .jpeg, .webp, .gif)
  std::map<std::string, std::string> metadata;  // the whole `__metadata__`
  int64_t vectors = 0;          // embeddings: the vectors one use of it puts in the prompt (0: unknown)
  bool usable() const { return problem.empty(); }
};

struct NetworkListing {
  std::vector<NetworkInfo> networks;  // folder order, then relative path
  std::vector<std::string> problems;  // folders that could not be listed (each naming it)
};

// Every network file below the folders of `kind` (.safetensors/.sft, and pickles listed with their problem).
// Never throws.
NetworkListing list_networks(const NetworkFolders& folders, NetworkKind kind);
// One file's entry (the listing's for that file). Throws ripen::Error naming the file when it does not exist.
NetworkInfo network_info(const std::string& path, NetworkKind kind, const std::string& folder = {});

// NAME -> the one entry it names: a relative path (with or without extension), else the stem, else (LoRA only)
// the ss_output_name alias; case-sensitive as A1111. Throws ripen::Error naming NAME and the folders searched when
// none fits, and naming the candidates when several do. A pickle is refused with the reason.
const NetworkInfo& find_network(const NetworkListing& listing, const NetworkFolders& folders, NetworkKind kind,
                                const std::string& name);

}  // namespace ripen::lora
