#pragma once
// The embedded model's network shapes (64×64 RGB images, 16×16×4 latents). One place, so the trainers, the
// export and the sizing benchmark agree. `scale` picks a size class for measurements ("tiny" is for tests).
#include <string>

#include "nets/autoencoder_kl.h"
#include "nets/unet_config.h"

namespace ripen::training {

// "tiny" (tests), "small" (the shipped default), "lean" (small without the 16x16 attention: the next retrain's
// target, for fast mode under 0.3 s on 2 cores), "medium" (if a faster machine allows).
UNetConfig embedded_unet_config(const std::string& scale = "small", int64_t cross_attention_dim = 256);
VaeConfig embedded_vae_config(const std::string& scale = "small");

// Text encoder shape (CLIP-style): hidden size == cross_attention_dim.
struct EmbeddedTextShape {
  int64_t vocab_size = 2048, hidden = 256, layers = 4, heads = 4, intermediate = 1024, max_positions = 77;
};
EmbeddedTextShape embedded_text_shape(const std::string& scale = "small");

}  // namespace ripen::training
