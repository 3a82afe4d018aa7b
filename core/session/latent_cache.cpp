#include "session/latent_cache.h"

namespace ripen::session {

void LatentCache::put(int64_t id, Entry e) {
  if (by_id_.insert_or_assign(id, std::move(e)).second) order_.push_back(id);
  while (order_.size() > capacity_) {
    by_id_.erase(order_.front());
    order_.pop_front();
  }
}

const LatentCache::Entry* LatentCache::get(int64_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

}  // namespace ripen::session
