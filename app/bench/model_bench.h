#pragma once
// `ripen-cli bench --model`: end-to-end seconds per image for each preset on a real model, as the user gets them.
// Runs are prompt x seed pairs, presets interleaved per pair (so machine drift hits every preset alike), after one
// uncounted warm-up run per preset; medians are reported, with the split (text, sampling, UNet, decode), UNet
// evaluations, steps used and the adaptive controller's stop reasons.
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "pipeline/pipeline.h"

namespace ripen {

struct ModelBenchOptions {
  // Built-in presets (fast, quality, lightning, custom) or model presets (pipeline/model_presets.h) by name; a
  // model preset's size gives way to the base request's.
  std::vector<std::string> presets{"fast", "quality", "lightning"};
  std::vector<std::string> prompts;  // run i: prompts[i % size], seed + i
  int count = 8;                     // counted runs per preset
  uint64_t seed = 0;
  bool warmup = true;                // one uncounted run per preset first
};

struct ModelBenchResult {
  nlohmann::json json;                          // per preset: medians, split, evals, steps, stop reasons
  std::map<std::string, std::vector<Image>> images;  // first image of each counted run, run order
};

// `base` gives the model, size and anything else the presets leave alone (prompt and seed are set per run).
ModelBenchResult bench_model_presets(Pipeline& pipeline, const GenerationRequest& base, const ModelBenchOptions& options);

// Relative L2 distance of two lists of 8-bit images (||a - b|| / ||b||, over all pixels of all pairs).
double relative_l2(const std::vector<Image>& a, const std::vector<Image>& b);

}  // namespace ripen
