#pragma once
// Layer-by-layer tiled execution for the VAE (AutoencoderKL::decode_tiled / encode_tiled).
//
// A network is split into steps at every GroupNorm. Between steps the feature map is kept whole (on the host when
// asked, so an accelerator only ever holds one tile); a step runs a local function — convolutions, activations,
// GroupNorms with statistics already taken over the whole map — tile by tile: each tile is its core (a partition of
// the map) plus `halo` pixels of real neighbour context on each side, at least the step's receptive radius, and only
// the core of the result is kept. Convolutions near a core therefore see exactly the inputs of the whole-image pass
// (zero padding only at the true image border), and with whole-map GroupNorm statistics the tiled result equals the
// whole-image pass up to float rounding — no blending needed.
#include <ATen/ATen.h>

#include <functional>
#include <vector>

namespace ripen::nn {

using TileStepFn = std::function<at::Tensor(const std::vector<at::Tensor>& tiles)>;

struct TileStep {
  int64_t core = 64;         // core side in input pixels (a multiple of den)
  int64_t halo = 1;          // context pixels on each side (a multiple of den)
  int64_t num = 1, den = 1;  // output pixels per input pixel: num/den (2/1 upsampling, 1/2 stride-2 conv)
  at::Device device = at::kCPU;                          // where `fn` runs
  at::MemoryFormat format = at::MemoryFormat::Contiguous;  // of the tiles handed to `fn`
};

// Runs `fn` over tiles of `maps` (same batch and spatial size; tile i of every map is passed, moved to step.device)
// and assembles the cores of its results into a new map on maps[0]'s device, in the result's dtype.
at::Tensor run_tile_step(const std::vector<at::Tensor>& maps, const TileStep& step, const TileStepFn& fn);

}  // namespace ripen::nn
