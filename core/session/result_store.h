#pragma once
// Where a GenerationSession keeps what it made, and where it finds a parent to promote. Plain data, no libtorch:
// the seed library (library/library_store.h) implements it; a session without a store keeps nothing.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/request.h"

namespace ripen::session {

// One image of a result, as it is stored: the request that reproduces it alone (seed + i, batch 1), what
// happened, the pixels and the latents promote needs (safetensors bytes: `latents`, `composition_latents`,
// metadata `ripen_result`).
struct StoredImage {
  GenerationRequest request;
  GenerationRecord record;
  const Image* image = nullptr;
  std::string latents;
  int batch_index = 0;
};

struct StoredParent {
  GenerationRequest request;
  std::filesystem::path latents;  // empty when none was kept
};

class ResultStore {
 public:
  virtual ~ResultStore() = default;
  // Returns the new ids, in order. Throws ripen::Error when nothing could be stored (then nothing was).
  virtual std::vector<int64_t> store(const std::vector<StoredImage>& images) = 0;
  virtual std::optional<StoredParent> parent(int64_t id) = 0;
};

}  // namespace ripen::session
