#include "library/library_store.h"

#include "tensors/error.h"

namespace ripen::library {

std::vector<int64_t> store_result(Library& library, const std::vector<session::StoredImage>& images) {
  std::vector<int64_t> ids;
  for (const auto& s : images) {
    if (!s.image) throw Error("store_result: image " + std::to_string(s.batch_index) + " has no pixels");
    StoreOptions o;
    o.batch_index = s.batch_index;
    o.latents = s.latents;
    // A result made from a picture of this library (img2img of a stored image or its latents) is its child.
    if (s.request.image && !s.request.parent_id) {
      if (auto source = library.find_by_file(s.request.image->image)) {
        GenerationRequest r = s.request;
        r.parent_id = *source;
        ids.push_back(library.store(r, s.record, *s.image, nullptr, o));
        continue;
      }
    }
    ids.push_back(library.store(s.request, s.record, *s.image, nullptr, o));
  }
  return ids;
}

std::vector<int64_t> LibraryStore::store(const std::vector<session::StoredImage>& images) {
  return store_result(*library_, images);
}

std::optional<session::StoredParent> LibraryStore::parent(int64_t id) {
  auto g = library_->get(id);
  if (!g) return std::nullopt;
  return session::StoredParent{g->request, library_->latents_file(*g)};
}

}  // namespace ripen::library
