#include "text/prompt_embeddings.h"

#include "tensors/error.h"

namespace ripen::text {

PromptEmbeddings::PromptEmbeddings(const TokenEncoder& tok, std::vector<PromptEmbedding> embeddings)
    : list_(std::move(embeddings)) {
  const int64_t chunk = tok.max_length() - 2;
  for (const auto& e : list_) {
    if (!e.vectors.defined() || e.vectors.dim() != 2 || e.vectors.size(0) < 1)
      throw Error(e.source + ": embedding '" + e.name + "' must be [n, C] vectors");
    if (e.vectors.size(0) > chunk)
      throw Error(e.source + ": embedding '" + e.name + "' has " + std::to_string(e.vectors.size(0)) +
                  " vectors, more than a prompt chunk holds (" + std::to_string(chunk) + ")");
    name_ids_.push_back(tok.encode(e.name));
  }
}

const PromptEmbedding* PromptEmbeddings::match(const std::vector<int64_t>& ids, size_t pos, size_t& length) const {
  const PromptEmbedding* best = nullptr;
  length = 0;
  for (size_t i = 0; i < list_.size(); ++i) {
    const auto& name = name_ids_[i];
    if (name.empty() || name.size() <= length || pos + name.size() > ids.size()) continue;
    if (std::equal(name.begin(), name.end(), ids.begin() + int64_t(pos))) {
      best = &list_[i];
      length = name.size();
    }
  }
  return best;
}

const PromptEmbedding* PromptEmbeddings::by_name(std::string_view name) const {
  for (const auto& e : list_)
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace ripen::text
