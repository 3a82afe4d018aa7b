#include "nets/vae_tiled.h"

#include <algorithm>
#include <string>

#include "tensors/error.h"
#include "tensors/params.h"

namespace ripen::nn {

BandedMap BandedMap::split(const at::Tensor& x, int64_t rows) {
  if (x.dim() != 4 || rows <= 0) throw Error("banded map: expected a 4-D map and positive rows");
  BandedMap m;
  m.rows = rows;
  for (int64_t y = 0; y < x.size(2); y += rows) m.bands.push_back(x.slice(2, y, std::min(x.size(2), y + rows)));
  return m;
}

int64_t BandedMap::height() const {
  return bands.empty() ? 0 : rows * static_cast<int64_t>(bands.size() - 1) + bands.back().size(2);
}

at::Tensor BandedMap::whole() const { return bands.size() == 1 ? bands[0] : at::cat(bands, 2); }

at::Tensor BandedMap::region(int64_t y0, int64_t y1, int64_t x0, int64_t x1) const {
  std::vector<at::Tensor> parts;
  for (int64_t b = y0 / rows; b * rows < y1; ++b) {
    const at::Tensor& band = bands.at(static_cast<size_t>(b));
    if (!band.defined()) throw Error("banded map: band " + std::to_string(b) + " was already released");
    const int64_t top = b * rows;
    parts.push_back(band.slice(2, std::max(y0, top) - top, std::min(y1, top + band.size(2)) - top).slice(3, x0, x1));
  }
  return parts.size() == 1 ? parts[0] : at::cat(parts, 2);
}

GroupStats group_stats(const BandedMap& x, int64_t groups, int64_t c0, int64_t c1) {
  std::vector<at::Tensor> parts;
  for (const auto& b : x.bands) parts.push_back(b.slice(1, c0, c1 < 0 ? b.size(1) : c1));
  return group_stats(parts, groups);
}

BandedMap run_tile_step(std::vector<BandedMap> maps, const TileStep& s, const TileStepFn& fn) {
  if (maps.empty() || maps[0].bands.empty() || maps[0].front().dim() != 4) throw Error("tiled step: expected 4-D maps");
  const int64_t B = maps[0].front().size(0), H = maps[0].height(), W = maps[0].front().size(3);
  for (const auto& m : maps)
    if (m.bands.empty() || m.height() != H || m.front().size(0) != B || m.front().size(3) != W)
      throw Error("tiled step: maps of different sizes");
  if (s.core <= 0 || s.halo < 0 || s.halo > s.core || s.num <= 0 || s.den <= 0 || s.core % s.den ||
      s.halo % s.den || H % s.den || W % s.den)
    throw Error("tiled step: core " + std::to_string(s.core) + " / halo " + std::to_string(s.halo) + " / map " +
                std::to_string(H) + "x" + std::to_string(W) + " not aligned to " + std::to_string(s.den));
  auto out_px = [&](int64_t px) { return px * s.num / s.den; };
  const at::Device store = maps[0].front().device();  // the first band may be released before the output needs it
  BandedMap out;
  out.rows = out_px(s.core);
  std::vector<at::Tensor> tiles(maps.size());
  for (int64_t cy = 0; cy < H; cy += s.core) {
    const int64_t cy1 = std::min(H, cy + s.core), ey = std::max<int64_t>(0, cy - s.halo), ey1 = std::min(H, cy1 + s.halo);
    at::Tensor band;
    for (int64_t cx = 0; cx < W; cx += s.core) {
      const int64_t cx1 = std::min(W, cx + s.core), ex = std::max<int64_t>(0, cx - s.halo),
                    ex1 = std::min(W, cx1 + s.halo);
      for (size_t i = 0; i < maps.size(); ++i) tiles[i] = maps[i].region(ey, ey1, ex, ex1).to(s.device).contiguous(s.format);
      at::Tensor r = fn(tiles);
      if (r.dim() != 4 || r.size(0) != B || r.size(2) != out_px(ey1 - ey) || r.size(3) != out_px(ex1 - ex))
        throw Error("tiled step: tile result " + shape_str(r.sizes()) + " does not match its input tile");
      if (!band.defined())
        band = at::empty({B, r.size(1), out_px(cy1 - cy), out_px(W)}, r.options().device(store),
                         s.format);
      band.slice(3, out_px(cx), out_px(cx1))
          .copy_(r.slice(2, out_px(cy - ey), out_px(cy1 - ey)).slice(3, out_px(cx - ex), out_px(cx1 - ex)));
    }
    out.bands.push_back(band);
    // Rows above the next tile row's halo are read no more.
    const int64_t next_top = cy1 - s.halo;
    for (auto& m : maps)
      for (int64_t b = 0; (b + 1) * m.rows <= next_top && b < static_cast<int64_t>(m.bands.size()); ++b)
        m.bands[static_cast<size_t>(b)].reset();
  }
  return out;
}

}  // namespace ripen::nn
