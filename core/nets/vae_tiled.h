#pragma once
// Layer-by-layer tiled execution for the VAE (AutoencoderKL::decode_tiled / encode_tiled).
//
// A network is split into steps at every GroupNorm. Between steps a feature map is kept whole, as horizontal bands
// (on the host when asked, so an accelerator only ever holds one tile); a step runs a local function —
// convolutions, activations, GroupNorms with statistics already taken over the whole map — tile by tile: each tile
// is its core (a partition of the map) plus `halo` pixels of real neighbour context on each side, at least the
// step's receptive radius, and only the core of the result is kept. Convolutions near a core therefore see exactly
// the inputs of the whole-image pass (zero padding only at the true image border), and with whole-map GroupNorm
// statistics the tiled result equals the whole-image pass up to float rounding — no blending needed.
// Tiles run row by row, and a step releases each input band once no later tile reads it, unless the caller still
// holds the map: the input map shrinks while the output map grows.
#include <ATen/ATen.h>

#include <functional>
#include <vector>

#include "nets/vae_blocks.h"

namespace ripen::nn {

// A [B, C, H, W] map stored as bands of `rows` rows (the last may be shorter). Copies share the band tensors.
struct BandedMap {
  std::vector<at::Tensor> bands;
  int64_t rows = 0;

  static BandedMap split(const at::Tensor& x, int64_t rows);
  int64_t height() const;
  at::Tensor whole() const;  // the bands concatenated
  // Rows [y0, y1) and columns [x0, x1), copied out of the bands.
  at::Tensor region(int64_t y0, int64_t y1, int64_t x0, int64_t x1) const;
  const at::Tensor& front() const { return bands.front(); }
};

// Whole-map statistics of channels [c0, c1) of a banded map (group_stats over all its rows).
GroupStats group_stats(const BandedMap& x, int64_t groups, int64_t c0 = 0, int64_t c1 = -1);

using TileStepFn = std::function<at::Tensor(const std::vector<at::Tensor>& tiles)>;

struct TileStep {
  int64_t core = 64;         // core side in input pixels (a multiple of den); also the input maps' band height
  int64_t halo = 1;          // context pixels on each side (a multiple of den, at most core)
  int64_t num = 1, den = 1;  // output pixels per input pixel: num/den (2/1 upsampling, 1/2 stride-2 conv)
  at::Device device = at::kCPU;                            // where `fn` runs
  at::MemoryFormat format = at::MemoryFormat::Contiguous;  // of the tiles handed to `fn` and of the output bands
};

// Runs `fn` over tiles of `maps` (same batch and spatial size; tile i of every map is passed, moved to step.device)
// and assembles the cores of its results into a new map on maps[0]'s device, in the result's dtype, with bands of
// core * num / den rows. Bands of `maps` are released as soon as no later tile needs them (pass maps the caller
// no longer needs with std::move).
BandedMap run_tile_step(std::vector<BandedMap> maps, const TileStep& step, const TileStepFn& fn);

}  // namespace ripen::nn
