#pragma once
// `ripen-cli library bench`: fills a fresh library with synthetic rows (no image files) and times the queries
// the gallery makes. Figures are medians over repeated runs, in milliseconds.
#include <filesystem>
#include <map>
#include <string>

namespace ripen::library {

struct BenchResult {
  int count = 0;
  double fill_seconds = 0;
  std::map<std::string, double> ms;  // first_page, second_page, model_page, favourite_page, fts_common, fts_rare,
                                     // fts_prefix, fts_prefix_page20, fts_every_row, fts_filtered, statistics, ...
};

BenchResult run_bench(const std::filesystem::path& dir, int count, int repeats = 15);

}  // namespace ripen::library
