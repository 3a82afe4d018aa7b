#pragma once
// Merging LoRA networks into a loaded model's weights, and taking them out again exactly.
//
// set_networks makes the model carry exactly the networks asked for, in order: each patched weight becomes
//   W' = cast(W₀ in fp32 + Σₙ mₙ · scaleₙ · ΔWₙ)  (mₙ the network's TE or UNet multiplier; DoRA modules: delta.h)
// computed from the ORIGINAL W₀ every time, so changing a multiplier re-merges without reloading the model and
// removing a network gives back W₀ bit for bit. W₀ is not copied: the network's tensor is pointed at a new buffer
// holding W' (the same tensor object, so the network, its packed-conv and K/V memos and the text encoder's output
// cache see the change: tensor_stamp.h) and W₀'s own storage is kept aside. Where W₀ is a zero-copy view of the
// model file's mapping, its pages are handed back to the kernel until it is restored (they are re-read from the
// file then), so a merged network costs only the patched weights once; where W₀ was converted at load (another
// dtype than the file's), its buffer stays, which is the extra memory MergeReport::kept_bytes counts.
//
// Everything that can fail (reading the files, names, shapes, values) happens before the first weight changes:
// an error leaves the model exactly as it was.
#include <memory>
#include <string>
#include <vector>

#include "models/model.h"
#include "pipeline/request.h"

namespace ripen::lora {

struct NetworkReport {
  std::string path;
  std::string format;
  int64_t modules = 0;   // in the file
  int64_t applied = 0;   // merged into a weight of the model
  int64_t skipped = 0;   // for a component the model has but did not load (e.g. an eval of the UNet alone)
  std::vector<std::string> unmatched;  // module names that address no weight of this model
};

struct MergeReport {
  bool changed = false;       // false: the model already carried exactly these networks
  int64_t patched_weights = 0;  // weights differing from the model's own now
  int64_t restored_weights = 0;
  int64_t merged_bytes = 0;   // buffers holding merged weights
  int64_t kept_bytes = 0;     // original weights kept in memory besides them (not views of the model file)
  double seconds = 0;
  std::vector<NetworkReport> networks;
  std::string summary() const;  // one line per network with unmatched names ("12 modules match nothing: a, b, …")
};

// Makes `model` carry exactly `networks` (each NetworkRef's path already resolved; te/unet multipliers). An empty
// list takes every network out. Throws ripen::Error naming the file and key; the model is then unchanged.
// A file whose modules mostly address nothing in this model (another architecture) is refused.
MergeReport set_networks(models::LoadedModel& model, const std::vector<NetworkRef>& networks);

// The networks merged now (empty when none).
std::vector<NetworkRef> merged_networks(const models::LoadedModel& model);

}  // namespace ripen::lora
