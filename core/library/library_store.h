#pragma once
// The seed library as a GenerationSession's result store: the one path by which the CLI and the studio store a
// result (image with its parameters, the latents promote needs) and find a parent to promote.
#include <filesystem>
#include <memory>

#include "library/library.h"
#include "session/result_store.h"

namespace ripen::library {

// Stores each image with its request, record and latents; returns the new row ids in order.
std::vector<int64_t> store_result(Library& library, const std::vector<session::StoredImage>& images);

class LibraryStore : public session::ResultStore {
 public:
  explicit LibraryStore(std::unique_ptr<Library> library) : library_(std::move(library)) {}
  explicit LibraryStore(const std::filesystem::path& dir) : library_(std::make_unique<Library>(dir)) {}
  std::vector<int64_t> store(const std::vector<session::StoredImage>& images) override;
  std::optional<session::StoredParent> parent(int64_t id) override;
  Library& library() { return *library_; }

 private:
  std::unique_ptr<Library> library_;
};

}  // namespace ripen::library
