#pragma once
// A UNet small enough for random-weight tests: one cross-attention down block and up block, 24-wide context.
#include "nets/unet_config.h"

namespace ripen::test {

inline UNetConfig small_unet_config() {
  UNetConfig c;
  c.block_out_channels = {32, 64};
  c.layers_per_block = {1, 1};
  c.down_block_types = {"CrossAttnDownBlock2D", "DownBlock2D"};
  c.up_block_types = {"UpBlock2D", "CrossAttnUpBlock2D"};
  c.num_attention_heads = {2, 4};
  c.transformer_layers_per_block = {1, 1};
  c.cross_attention_dim = 24;
  c.norm_num_groups = 8;
  return c;
}

}  // namespace ripen::test
