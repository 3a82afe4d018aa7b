#pragma once
// SHA-256 (FIPS 180-4), for AUTOMATIC1111-style model hashes (first 10 hex digits of the file's sha256).
#include <cstddef>
#include <cstdint>
#include <string>

namespace ripen::models {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  std::string hex_digest();  // finishes; the object is spent afterwards

 private:
  uint32_t h_[8];
  uint8_t block_[64];
  size_t fill_ = 0;
  uint64_t length_ = 0;
  void compress(const uint8_t* block);
};

std::string sha256_file(const std::string& path);  // throws ripen::Error naming the file
// As sha256_file, remembered across runs in $XDG_CACHE_HOME/ripen/hashes.json (else ~/.cache/ripen) by path,
// size and modification time, as AUTOMATIC1111 does: hashing a 7 GB checkpoint takes ~30 s on a slow CPU.
std::string sha256_file_cached(const std::string& path);
std::string sha256_hex(const std::string& data);

}  // namespace ripen::models
