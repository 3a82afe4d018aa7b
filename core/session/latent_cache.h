#pragma once
// The latents of the last stored results by id, so promoting a draft just made needs no file read.
#include <ATen/ATen.h>

#include <cstdint>
#include <deque>
#include <map>

namespace ripen::session {

class LatentCache {
 public:
  struct Entry {
    at::Tensor final, composition;  // [1, C, h, w]
    double composition_sigma = 0;
  };
  explicit LatentCache(size_t capacity = 64) : capacity_(capacity) {}
  void put(int64_t id, Entry e);
  const Entry* get(int64_t id) const;  // null when not (or no longer) cached

 private:
  size_t capacity_;
  std::map<int64_t, Entry> by_id_;
  std::deque<int64_t> order_;  // oldest first
};

}  // namespace ripen::session
