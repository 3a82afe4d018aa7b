#pragma once
// Philox4x32-10 (Salmon et al. 2011), the counter-based generator behind CUDA's curand and torch's CUDA RNG.
#include <array>
#include <cstdint>

namespace ripen::sampling {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

// Ten rounds; the key is bumped by the Weyl constants between rounds.
PhiloxCounter philox4x32_10(PhiloxCounter counter, PhiloxKey key);

inline PhiloxKey philox_key(uint64_t seed) { return {uint32_t(seed), uint32_t(seed >> 32)}; }

// SplitMix64 finaliser: decorrelates nearby integers (seeds, node ids) before they become keys/counters.
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace ripen::sampling
