#pragma once
// A LoRA's hash as AUTOMATIC1111 writes it in the infotext ("Lora hashes: \"name: 0123456789ab\""), and finding a
// file again by it.
//
// A1111 (extensions-builtin/Lora/network.py NetworkOnDisk, modules/hashes.py): the file's `sshs_model_hash`
// metadata when it has one (kohya's sd-scripts write the same digest at save time), else for a .safetensors file
// the "addnet" hash: the SHA-256 of the file's bytes after the header (8-byte length N, then N bytes of JSON;
// hashing starts at 8 + N, so editing the metadata does not change it). The short hash is its first 12 hex digits.
// Digests are cached like model hashes (models/model_hash.h HashCache::sha256_from).
#include <string>

#include "lora/network_folders.h"
#include "models/model_hash.h"

namespace ripen::lora {

struct NetworkHash {
  std::string sha256;      // 64 hex digits (or what sshs_model_hash says)
  std::string short_hash;  // the first 12: what the infotext carries
};

// Throws ripen::Error naming the file when it is not a readable safetensors file.
NetworkHash network_hash(const std::string& path, models::HashCache& cache = models::HashCache::shared());

// The usable entry whose short hash is `short_hash` (case-insensitive), hashing the listing's files as needed
// (cached after the first time); nullptr when none has it.
const NetworkInfo* find_network_by_hash(const NetworkListing& listing, const std::string& short_hash,
                                        models::HashCache& cache = models::HashCache::shared());

}  // namespace ripen::lora
