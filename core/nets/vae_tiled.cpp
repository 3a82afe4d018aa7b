#include "nets/vae_tiled.h"

#include <algorithm>
#include <string>

#include "tensors/error.h"
#include "tensors/params.h"

namespace ripen::nn {

at::Tensor run_tile_step(const std::vector<at::Tensor>& maps, const TileStep& s, const TileStepFn& fn) {
  if (maps.empty() || maps[0].dim() != 4) throw Error("tiled step: expected 4-D maps");
  const int64_t B = maps[0].size(0), H = maps[0].size(2), W = maps[0].size(3);
  for (const auto& m : maps)
    if (m.dim() != 4 || m.size(0) != B || m.size(2) != H || m.size(3) != W)
      throw Error("tiled step: maps of different sizes " + shape_str(maps[0].sizes()) + " and " + shape_str(m.sizes()));
  if (s.core <= 0 || s.halo < 0 || s.num <= 0 || s.den <= 0 || s.core % s.den || s.halo % s.den || H % s.den ||
      W % s.den)
    throw Error("tiled step: core " + std::to_string(s.core) + " / halo " + std::to_string(s.halo) + " / map " +
                std::to_string(H) + "x" + std::to_string(W) + " not aligned to " + std::to_string(s.den));
  auto out_px = [&](int64_t px) { return px * s.num / s.den; };
  at::Tensor out;
  std::vector<at::Tensor> tiles(maps.size());
  for (int64_t cy = 0; cy < H; cy += s.core) {
    const int64_t cy1 = std::min(H, cy + s.core), ey = std::max<int64_t>(0, cy - s.halo), ey1 = std::min(H, cy1 + s.halo);
    for (int64_t cx = 0; cx < W; cx += s.core) {
      const int64_t cx1 = std::min(W, cx + s.core), ex = std::max<int64_t>(0, cx - s.halo),
                    ex1 = std::min(W, cx1 + s.halo);
      for (size_t i = 0; i < maps.size(); ++i)
        tiles[i] = maps[i].slice(2, ey, ey1).slice(3, ex, ex1).to(s.device).contiguous(s.format);
      at::Tensor r = fn(tiles);
      if (r.dim() != 4 || r.size(0) != B || r.size(2) != out_px(ey1 - ey) || r.size(3) != out_px(ex1 - ex))
        throw Error("tiled step: tile result " + shape_str(r.sizes()) + " does not match its input tile");
      if (!out.defined())
        out = at::empty({B, r.size(1), out_px(H), out_px(W)}, r.options().device(maps[0].device()), s.format);
      out.slice(2, out_px(cy), out_px(cy1))
          .slice(3, out_px(cx), out_px(cx1))
          .copy_(r.slice(2, out_px(cy - ey), out_px(cy1 - ey)).slice(3, out_px(cx - ex), out_px(cx1 - ex)));
    }
  }
  for (auto& t : tiles) t.reset();
  return out;
}

}  // namespace ripen::nn
