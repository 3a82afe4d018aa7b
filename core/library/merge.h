#pragma once
// `ripen-cli library merge SHARD... --into L`: the libraries a render farm's shards wrote (farm/batch_runner.h),
// or any other libraries, imported into one, as if their rows had been made there:
//  - every row with its image (copied byte for byte), latents, created_at, rating, favourite and tags;
//  - lineage: a row's parent is the merged row of its parent (ids are remapped; a parent that was merged as a
//    duplicate is the row already there);
//  - deduplicated: a row whose image file's content hash is already in L, or whose farm job is already in L with
//    the same pixels, is not added again, so merging twice adds nothing;
//  - a farm job in L with different pixels (two shards given the same index on different machines, or a
//    changed plan) is a conflict: reported, not added, and its children are linked to the row already there.
// Every shard's schema is checked before anything is written: a shard of another schema version is refused.
#include <filesystem>
#include <string>
#include <vector>

#include "library/library.h"

namespace ripen::library {

struct MergeConflict {
  std::string job_id;
  std::filesystem::path shard;
  int64_t shard_id = 0, into_id = 0;
  std::string shard_pixels, into_pixels;  // content hashes of the decoded pixels
};

struct MergeShardReport {
  std::filesystem::path dir;
  int64_t rows = 0, added = 0, duplicates = 0, conflicts = 0;
};

struct MergeReport {
  std::vector<MergeShardReport> shards;
  std::vector<MergeConflict> conflicts;
  int64_t added = 0, duplicates = 0;
};

// The shard libraries under `path`: `path` itself when it is a library, else its sub-folders that are (one level,
// in name order), so `merge out/` takes every shard folder a farm wrote under out/. Throws when there is none.
std::vector<std::filesystem::path> shard_libraries(const std::filesystem::path& path);

// Throws ripen::Error naming the shard when its schema version is not this build's (nothing is written then).
MergeReport merge_libraries(Library& into, const std::vector<std::filesystem::path>& shards);

// The content hash of an image file's decoded 8-bit RGB pixels (not of its bytes, which carry timings).
std::string pixel_hash(const std::filesystem::path& image);

}  // namespace ripen::library
