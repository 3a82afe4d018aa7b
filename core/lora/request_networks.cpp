#include "lora/request_networks.h"

#include <cctype>
#include <filesystem>

#include "lora/embedding_file.h"
#include "lora/network_hash.h"
#include "lora/prompt_tags.h"
#include "models/model.h"
#include "tensors/error.h"

namespace fs = std::filesystem;

namespace ripen::lora {
namespace {

// Every folder below the roots with its modification time: a new, removed or renamed file changes one of them.
std::string folders_stamp(const std::vector<std::string>& roots) {
  std::string s;
  std::error_code ec;
  for (const auto& root : roots) {
    auto add = [&](const fs::path& p) {
      const auto t = fs::last_write_time(p, ec);
      s += p.string() + "@" + (ec ? "?" : std::to_string(t.time_since_epoch().count())) + "\n";
    };
    if (!fs::is_directory(root, ec)) continue;
    add(root);
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_directory(ec)) add(it->path());
  }
  return s;
}

}  // namespace

NetworkResolver::NetworkResolver(NetworkFolders folders, models::HashCache* cache)
    : folders_(std::move(folders)), cache_(cache ? cache : &models::HashCache::shared()) {}

NetworkListing NetworkResolver::embeddings() {
  std::lock_guard lock(mutex_);
  const std::string stamp = folders_stamp(folders_.embeddings);
  if (!embeddings_ || stamp != embeddings_stamp_) {
    embeddings_ = std::make_shared<const NetworkListing>(list_networks(folders_, NetworkKind::Embedding));
    embeddings_stamp_ = stamp;
  }
  return *embeddings_;
}

NetworkRef NetworkResolver::resolve(const NetworkRef& in, std::vector<std::string>* notes) {
  NetworkRef n = in;
  if (!n.path.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(n.path, ec)) throw Error(n.path + ": LoRA file does not exist");
    const NetworkInfo info = network_info(n.path, NetworkKind::Lora);
    if (!info.usable()) throw Error(info.problem);
    if (n.name.empty()) n.name = info.name;
    if (n.hash.empty()) n.hash = network_hash(n.path, *cache_).short_hash;
    return n;
  }
  std::shared_ptr<const NetworkListing> listing;
  {
    std::lock_guard lock(mutex_);
    if (!loras_) loras_ = std::make_shared<const NetworkListing>(list_networks(folders_, NetworkKind::Lora));
    listing = loras_;
  }
  const NetworkInfo* found = nullptr;
  std::string not_found;
  for (int attempt = 0; attempt < 2 && !found; ++attempt) {
    try {
      found = &find_network(*listing, folders_, NetworkKind::Lora, n.name);
    } catch (const Error& e) {
      const std::string what = e.what();
      if (what.find("not found") == std::string::npos) throw;  // ambiguous, a pickle: rescanning would not help
      not_found = what;
      if (attempt == 0) {
        std::lock_guard lock(mutex_);
        loras_ = std::make_shared<const NetworkListing>(list_networks(folders_, NetworkKind::Lora));
        listing = loras_;
      }
    }
  }
  if (!n.hash.empty()) {
    const std::string named_hash = found ? network_hash(found->path, *cache_).short_hash : "";
    auto lower12 = [](std::string h) {
      h = h.substr(0, 12);
      for (char& c : h) c = char(std::tolower(static_cast<unsigned char>(c)));
      return h;
    };
    if (lower12(named_hash) != lower12(n.hash)) {
      if (const NetworkInfo* by_hash = find_network_by_hash(*listing, n.hash, *cache_)) {
        if (notes)
          notes->push_back("LoRA '" + n.name + "': found by its hash " + n.hash + " as " + by_hash->path +
                           (found ? " (" + found->path + " has another hash)" : ""));
        found = by_hash;
      } else if (found && notes) {
        notes->push_back("LoRA '" + n.name + "': " + found->path + " has hash " + named_hash + ", not " + n.hash +
                         " as recorded; no file has that hash, so this one is used");
      }
    }
  }
  if (!found) throw Error(not_found);
  n.path = found->path;
  n.hash = network_hash(found->path, *cache_).short_hash;
  return n;
}

PreparedPrompt prepare_networks(const GenerationRequest& r, NetworkResolver& resolver) {
  PreparedPrompt p;
  PromptNetworks tags = extract_network_tags(r.prompt);
  p.prompt = std::move(tags.prompt);
  p.negative_prompt = r.negative_prompt;
  for (const auto& t : tags.ignored) p.notes.push_back("prompt tag " + t + " is not a LoRA; left out");
  for (const auto& n : tags.networks) p.networks.push_back(resolver.resolve(n, &p.notes));
  for (const auto& n : r.networks) p.networks.push_back(resolver.resolve(n, &p.notes));
  return p;
}

std::vector<text::PromptEmbeddings> model_prompt_embeddings(const models::LoadedModel& m, const PreparedPrompt& prompt,
                                                            NetworkResolver& resolver) {
  std::vector<TextEncoderView> views;
  if (m.tokenizer && m.text_encoder) views.push_back({m.tokenizer.get(), m.text_encoder->config().hidden_size});
  if (m.arch == models::Arch::SDXL && m.tokenizer_2 && m.text_encoder_2)
    views.push_back({m.tokenizer_2.get(), m.text_encoder_2->config().hidden_size});
  return prompt_embeddings({prompt.prompt, prompt.negative_prompt}, resolver.embeddings(), resolver.folders(), views);
}

}  // namespace ripen::lora
