#pragma once
// The stage that starts a generation from a picture (img2img, inpainting, outpainting; request.image):
//  1. canvas: the picture read (the app's reader; the engine has no image codecs) or a latents file, fitted to the
//     request's size, the mask read and fitted the same way, outpaint margins added;
//  2. prepare: mask blur / binarize, the "only masked" crop, masked content, the VAE encodes (sampling the latent
//     distribution with noise from the encode-noise source), the latent mask and a 9-channel UNet's extra input;
//  3. start: strength → the first step of the plan's σ sequence, x = x0 + σ·noise from the request's seed
//     (the same noise text-to-image starts from);
//  4. during sampling: the 4-channel latent blend (A1111: the denoised x0 inside every model call; diffusers: x
//     after every step, re-noised to the next level with the start noise);
//  5. after decoding: the result pasted back over the source so pixels outside the mask stay the source's.
// Fitting a picture to the size: a request with a size resizes the picture to it (Lanczos-3, PIL's filter); a
// request without one (0x0) keeps the picture's pixels and crops its right and bottom edges to multiples of 8.
#include <ATen/ATen.h>

#include <functional>
#include <string>
#include <vector>

#include "pipeline/image_input.h"
#include "pipeline/mask.h"
#include "pipeline/plan_runner.h"
#include "sampling/noise_source.h"
#include "sampling/sampler.h"

namespace ripen {

class AutoencoderKL;
struct Image;

// Reads a picture file as 8-bit RGBA; throws ripen::Error naming the file (the app passes imageio::read_rgba8).
using ImageReader = std::function<RgbaPixels(const std::string& path)>;

// How the mask is turned into what sampling uses.
enum class MaskHandling {
  A1111,     // Gaussian mask blur; latent mask = cell average rounded; blend the denoised x0 in every model call
  Diffusers  // mask binarized at 0.5 (after any blur); latent mask = nearest (pixel 8i, 8j); blend x after each step
};

struct ImageCanvas {
  at::Tensor picture;        // [1, 3, H, W] in [0, 1] (undefined when the source is a latents file)
  at::Tensor source_latents; // [1 or B, 4, h, w] UNet space, from a latents file
  at::Tensor mask;           // [1, 1, H, W] in [0, 1], 1 = repaint (undefined: plain img2img)
  int64_t width = 0, height = 0;
  std::vector<std::string> notes;  // what was adjusted (a mask resized, margins rounded, an edge cropped)
};
// Throws ripen::Error naming the file on an unreadable picture or mask, a mask that selects nothing, a strength
// outside (0, 1]. width/height 0: the picture's own size (cropped to multiples of 8). `vae_downscale`: pixels per
// latent cell of the model's VAE (8 for Stable Diffusion; the embedded model's is 4), the size a latents file has.
ImageCanvas load_canvas(const ImageInput& input, int64_t width, int64_t height, const ImageReader& read,
                        uint64_t seed, int64_t vae_downscale = 8);

// The noise of the VAE encodes that sample the latent distribution, in order (the picture, then the masked
// picture): a given bank (`encode_noise.0`, `.1`, … of `ripen-cli --encode-noise`), else draw k from the
// request's noise source at seed + kEncodeSeedStride·(k + 1) (apart from the batch's seeds seed + i).
class EncodeNoise {
 public:
  static constexpr uint64_t kEncodeSeedStride = 0x10000;
  EncodeNoise(std::vector<at::Tensor> bank, sampling::NoiseSource source, uint64_t seed)
      : bank_(std::move(bank)), source_(source), seed_(seed) {}
  at::Tensor next(at::IntArrayRef shape, const at::TensorOptions& options);
  int used() const { return used_; }

 private:
  std::vector<at::Tensor> bank_;
  sampling::NoiseSource source_;
  uint64_t seed_;
  int used_ = 0;
};

// VAE encode of pictures [1, 3, H, W] in [0, 1], sampling the posterior: (mean + std·n − shift)·scale.
at::Tensor encode_sampled(const AutoencoderKL& vae, const at::Tensor& picture01, EncodeNoise& noise,
                          int64_t tile_latent);

struct PreparedImage {
  int64_t width = 0, height = 0;  // the processing size (the latents are width/8 × height/8)
  at::Tensor init_latents;        // [1 or B, 4, h, w] x0 of the start (after masked content); undefined when the
                                  // start is pure noise (diffusers' inpaint at strength 1 never encodes the picture)
  at::Tensor latent_mask;         // [1, 1, h, w], 1 = repaint; undefined: img2img
  at::Tensor unet_extra;          // [1, 5, h, w] a 9-channel UNet's [mask, masked-picture latents]
  bool pure_noise_start = false;
  MaskHandling handling = MaskHandling::A1111;
  // Paste-back: the decoded result goes into `region` of the canvas, composited with `overlay` (1 = result).
  at::Tensor canvas, overlay;     // [1, 3, Hc, Wc], [1, 1, Hc, Wc]; undefined: no paste-back
  Box region;
};
// Throws ripen::Error when a 9-channel UNet gets no mask. process_width/height: the request's size for "only
// masked" (0: the canvas size).
PreparedImage prepare_image(ImageCanvas canvas, const ImageInput& input, MaskHandling handling,
                            const AutoencoderKL& vae, int64_t unet_in_channels, int64_t process_width,
                            int64_t process_height, EncodeNoise& noise, uint64_t seed, sampling::NoiseSource source,
                            int64_t tile_latent);

// x at the first step: init + σ[first]·noise (noise·init_scale for a pure-noise start), the batch expanded.
struct ImageStart {
  at::Tensor x;
  at::Tensor noise;  // the unit noise (the diffusers blend re-noises with it)
  int first_step = 0;
};
ImageStart start_from_image(const PreparedImage& prepared, const ImageInput& input, const std::vector<double>& sigmas,
                            const at::Tensor& noise, double init_scale);

// A1111's blend: every model call's x0 estimate is the source's latents outside the mask.
DenoiserFactory blend_denoised(DenoiserFactory inner, at::Tensor init_latents, at::Tensor latent_mask);
// diffusers' blend after each step: outside the mask x = init + σ_next·noise (init at σ_next = 0).
std::function<at::Tensor(const at::Tensor&, double)> blend_after_step(at::Tensor init_latents, at::Tensor noise,
                                                                       at::Tensor latent_mask);
// (1 − m)·init + m·x: the final latent outside the mask is exactly the source's.
at::Tensor blend_final(const at::Tensor& x, const at::Tensor& init_latents, const at::Tensor& latent_mask);

// The inpainting blend of one pass (the base pass over the source's latents, the hires pass over the upscaled base
// result at 2x) as the image's handling asks: wraps `factory` (A1111) or sets the runner's after-step hook
// (diffusers, 4-channel UNets only; `noise` is the pass's unit start noise). finish() is the pass's final latent.
struct PassBlend {
  at::Tensor known, mask;  // undefined: no blend at the end
  at::Tensor finish(const at::Tensor& x) const { return known.defined() ? blend_final(x, known, mask) : x; }
};
PassBlend blend_pass(const PreparedImage& image, const at::Tensor& known, const at::Tensor& noise,
                     const at::Tensor& latent_mask, DenoiserFactory& factory, PlanRunOptions& runner);

// The decoded picture [3, h, w] in [0, 1] pasted back: resized into the region (only masked), composited over
// the canvas with the overlay mask in 8-bit, so overlay-0 pixels are the canvas's bytes exactly.
Image paste_back(const at::Tensor& decoded_chw, const PreparedImage& prepared);

}  // namespace ripen
