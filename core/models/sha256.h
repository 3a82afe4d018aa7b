#pragma once
// SHA-256 through libcrypto (OpenSSL's EVP interface, which uses the CPU's SHA extensions where it has them),
// for model hashes. Which file a model's hash covers and how hashes are cached: models/model_hash.h.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace ripen::models {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(const void* data, size_t size);
  std::string hex_digest();  // finishes; the object is spent afterwards

 private:
  struct Context;
  std::unique_ptr<Context> ctx_;
};

std::string sha256_hex(const std::string& data);
std::string sha256_file(const std::string& path);  // throws ripen::Error naming the file
// The digest of the bytes from `offset` to the end (a file shorter than that: an error naming it).
std::string sha256_file(const std::string& path, uint64_t offset);

}  // namespace ripen::models
