#pragma once
// `ripen-cli library fill`: fills a library with synthetic but well-formed generations — real rows (request and
// record JSON, lineage, favourites, ratings, tags), each with a small PNG carrying its metadata — to test the
// studio and the queries at scale. Deterministic for a given seed.
#include <cstdint>
#include <filesystem>

namespace ripen::library {

class Library;

struct FillOptions {
  int count = 100000;
  int image_size = 64;     // pixels a side
  uint64_t seed = 1;
  int64_t first_ms = 1700000000000;  // the oldest row's time; rows follow a few minutes apart on average
};

struct FillResult {
  int rows = 0;
  double seconds = 0;
};

FillResult fill_library(Library& lib, const FillOptions& options);

}  // namespace ripen::library
