#include "lora/network_hash.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>

#include "tensors/error.h"
#include "tensors/safetensors.h"

namespace ripen::lora {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

}  // namespace

NetworkHash network_hash(const std::string& path, models::HashCache& cache) {
  const SafeTensors st = SafeTensors::open(path);  // validates the header, so 8 + N lies inside the file
  NetworkHash h;
  if (auto it = st.metadata().find("sshs_model_hash"); it != st.metadata().end() && !it->second.empty()) {
    h.sha256 = it->second;
  } else {
    std::ifstream in(path, std::ios::binary);
    unsigned char len[8] = {};
    if (!in.read(reinterpret_cast<char*>(len), 8)) throw Error(path + ": cannot read the safetensors header length");
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | len[i];
    h.sha256 = cache.sha256_from(path, 8 + n);
  }
  h.short_hash = h.sha256.substr(0, 12);
  return h;
}

const NetworkInfo* find_network_by_hash(const NetworkListing& listing, const std::string& short_hash,
                                        models::HashCache& cache) {
  const std::string want = lower(short_hash.substr(0, 12));  // a full digest finds its short hash too
  if (want.empty()) return nullptr;
  for (const auto& n : listing.networks) {
    if (!n.usable()) continue;
    try {
      if (lower(network_hash(n.path, cache).short_hash) == want) return &n;
    } catch (const std::exception&) {
      // an unreadable file has no hash; the others are still searched
    }
  }
  return nullptr;
}

}  // namespace ripen::lora
