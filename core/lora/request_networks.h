#pragma once
// What one generation takes from the LoRA and embedding folders: its prompt's <lora:...> tags (prompt_tags.h) and
// GenerationRequest::networks resolved to files and A1111 hashes, the prompt as encoded (tags removed), and the
// textual-inversion embeddings its prompts use. The weight merge itself is lora::set_networks (core/lora merge
// engine), which takes PreparedPrompt::networks.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lora/network_folders.h"
#include "models/model_hash.h"
#include "pipeline/request.h"
#include "text/prompt_embeddings.h"

namespace ripen::models { struct LoadedModel; }

namespace ripen::lora {

// The folders' listings, scanned when first needed and again when a name is not found (A1111 rescans then too) or,
// for embeddings, when a folder below them changed. Thread-safe.
class NetworkResolver {
 public:
  explicit NetworkResolver(NetworkFolders folders = {}, models::HashCache* cache = nullptr);  // null: HashCache::shared()
  const NetworkFolders& folders() const { return folders_; }

  // The network with its file and hash:
  //   path given: that file (it must exist; name defaults to its stem);
  //   else NAME looked up (find_network); with a hash, the named file must have it, else the file that has it is
  //   taken instead (the name may have changed) and a note says so; a hash no file has keeps the named file, noted.
  // Throws ripen::Error naming NAME and the folders searched when nothing fits.
  NetworkRef resolve(const NetworkRef& n, std::vector<std::string>* notes = nullptr);
  NetworkListing embeddings();  // the current embedding listing (a copy: another thread may rescan)

 private:
  NetworkFolders folders_;
  models::HashCache* cache_;
  std::mutex mutex_;
  std::shared_ptr<const NetworkListing> loras_, embeddings_;
  std::string embeddings_stamp_;
};

struct PreparedPrompt {
  std::string prompt, negative_prompt;  // as encoded: the prompt's network tags removed (A1111 leaves the negative)
  std::vector<NetworkRef> networks;     // the prompt's tags, then GenerationRequest::networks, resolved
  std::vector<std::string> notes;       // tags of other kinds left out, networks found by their hash
};

// Throws ripen::Error (a bad tag, a network not found) before anything is loaded or merged.
PreparedPrompt prepare_networks(const GenerationRequest& request, NetworkResolver& resolver);

// The textual-inversion embeddings the prepared prompts use, one set per text encoder of `model`
// (embedding_file.h prompt_embeddings). Empty sets when the folders hold none.
std::vector<text::PromptEmbeddings> model_prompt_embeddings(const models::LoadedModel& model, const PreparedPrompt& prompt,
                                                            NetworkResolver& resolver);

}  // namespace ripen::lora
