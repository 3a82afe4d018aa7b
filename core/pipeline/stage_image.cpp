#include "pipeline/stage_image.h"

#include <algorithm>
#include <filesystem>

#include "nets/autoencoder_kl.h"
#include "pipeline/hires.h"
#include "pipeline/request.h"
#include "pipeline/stage_decode.h"
#include "sampling/noise.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

namespace ripen {
namespace {
std::string size_str(int64_t w, int64_t h) { return std::to_string(w) + "x" + std::to_string(h); }

bool is_latents_file(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".safetensors";
}

RgbaPixels read_file(const ImageReader& read, const std::string& path, const char* what) {
  if (!read) throw Error(std::string(what) + " " + path + ": this program reads no picture files (no image reader)");
  if (!std::filesystem::exists(path)) throw Error(std::string(what) + " " + path + ": file not found");
  try {
    return read(path);
  } catch (const std::exception& e) {
    throw Error(std::string(what) + " " + path + ": cannot be decoded as a picture (" + e.what() + ")");
  }
}

at::Tensor fit_lanczos(const at::Tensor& pic, int64_t h, int64_t w) {
  if (pic.size(2) == h && pic.size(3) == w) return pic;
  return resize_lanczos(pic, h, w).clamp_(0, 1);
}

// PyTorch's nearest to latent size for an integer factor: the pixel at (down·i, down·j).
at::Tensor nearest_cells(const at::Tensor& mask, int64_t down) {
  return mask.slice(2, 0, mask.size(2), down).slice(3, 0, mask.size(3), down).contiguous();
}

int64_t round_up8(int64_t v) { return (v + 7) / 8 * 8; }
}  // namespace

at::Tensor EncodeNoise::next(at::IntArrayRef shape, const at::TensorOptions& options) {
  const int k = used_++;
  if (!bank_.empty()) {
    if (k >= int(bank_.size()))
      throw Error("encode noise: the VAE encode " + std::to_string(k) + " has no encode_noise." + std::to_string(k) +
                  " (the file holds " + std::to_string(bank_.size()) + ")");
    const at::Tensor& n = bank_[size_t(k)];
    if (n.sizes() != shape)
      throw Error("encode noise: encode_noise." + std::to_string(k) + " has shape " + shape_str(n.sizes()) +
                  ", expected " + shape_str(shape));
    return n.to(options);
  }
  return sampling::initial_noise(source_, seed_ + kEncodeSeedStride * uint64_t(k + 1), shape[0], shape.slice(1),
                                 options);
}

at::Tensor encode_sampled(const AutoencoderKL& vae, const at::Tensor& picture01, EncodeNoise& noise,
                          int64_t tile_latent) {
  at::NoGradGuard no_grad;
  at::Tensor x = picture01.to(at::kFloat).mul(2).sub(1);
  const int64_t down = vae.config().downscale();
  const bool tiled = x.size(2) / down > tile_latent || x.size(3) / down > tile_latent;
  VaeMoments mo = tiled ? vae.encode_tiled(x) : vae.encode(x);
  at::Tensor mean = mo.mean.to(at::kFloat), std = at::exp(0.5 * mo.logvar.to(at::kFloat));
  return vae.to_latent(mean + std * noise.next(mean.sizes(), mean.options()));
}

ImageCanvas load_canvas(const ImageInput& in, int64_t width, int64_t height, const ImageReader& read, uint64_t seed,
                        int64_t vae_downscale) {
  if (in.image.empty()) throw Error("image input: no picture given");
  if (!(in.strength > 0 && in.strength <= 1))
    throw Error("denoising strength must be in (0, 1], got " + std::to_string(in.strength));
  if (in.mask_blur < 0 || in.masked_padding < 0) throw Error("mask blur and masked padding must be >= 0");
  if ((width % 8) || (height % 8)) throw Error("size " + size_str(width, height) + " is not a multiple of 8");
  ImageCanvas c;
  int64_t src_w = 0, src_h = 0;
  bool resized = false;
  if (is_latents_file(in.image)) {
    if (!std::filesystem::exists(in.image)) throw Error("init image " + in.image + ": file not found");
    SafeTensors f = SafeTensors::open(in.image);
    if (!f.contains("latents")) throw Error("init image " + in.image + ": no tensor 'latents'");
    c.source_latents = f.tensor("latents", at::TensorOptions().dtype(at::kFloat)).clone();
    if (c.source_latents.dim() != 4)
      throw Error("init image " + in.image + ": 'latents' has shape " + shape_str(c.source_latents.sizes()) +
                  ", expected [B, 4, h, w]");
    src_w = c.width = c.source_latents.size(3) * vae_downscale;
    src_h = c.height = c.source_latents.size(2) * vae_downscale;
    if ((width || height) && (width != c.width || height != c.height))
      throw Error("init image " + in.image + ": the latents are " + size_str(c.width, c.height) +
                  ", the request asks " + size_str(width, height));
    if (in.outpaints()) throw Error("outpainting needs a picture, not latents (" + in.image + ")");
  } else {
    RgbaPixels px = read_file(read, in.image, "init image");
    src_w = px.width, src_h = px.height;
    at::Tensor pic = rgb_tensor(px);
    if (width && height) {
      if (px.width != width || px.height != height)
        c.notes.push_back("init image " + size_str(px.width, px.height) + " resized to " + size_str(width, height) +
                          " (Lanczos)");
      pic = fit_lanczos(pic, height, width);
      resized = px.width != width || px.height != height;
    } else {
      width = px.width / 8 * 8, height = px.height / 8 * 8;
      if (width < 8 || height < 8) throw Error("init image " + in.image + " is smaller than 8x8");
      if (width != px.width || height != px.height)
        c.notes.push_back("init image " + size_str(px.width, px.height) + " cropped to " + size_str(width, height) +
                          " (right and bottom edges, to multiples of 8)");
      pic = pic.slice(2, 0, height).slice(3, 0, width);
    }
    c.picture = pic.contiguous();
    c.width = width, c.height = height;
  }
  if (!in.mask.empty()) {
    RgbaPixels mp = read_file(read, in.mask, "mask");
    at::Tensor m = mask_tensor(mp);
    if (mp.width != src_w || mp.height != src_h) {
      c.notes.push_back("mask " + in.mask + " is " + size_str(mp.width, mp.height) + ", the picture " +
                        size_str(src_w, src_h) + ": resized (nearest)");
      m = resize_nearest(m, src_h, src_w);
    }
    // The picture's own fit: resized to the request's size, or cropped at the right and bottom.
    m = resized ? resize_nearest(m, c.height, c.width) : m.slice(2, 0, c.height).slice(3, 0, c.width);
    if (m.max().item<float>() <= 0)
      throw Error("mask " + in.mask + " selects nothing (every pixel black or transparent; white or opaque = repaint)");
    c.mask = m.contiguous();
  }
  if (in.outpaints()) {
    int64_t l = in.outpaint_left, r = in.outpaint_right, t = in.outpaint_top, b = in.outpaint_bottom;
    if (l < 0 || r < 0 || t < 0 || b < 0) throw Error("outpaint margins must be >= 0");
    const int64_t l8 = round_up8(l), r8 = round_up8(r), t8 = round_up8(t), b8 = round_up8(b);
    if (l8 != l || r8 != r || t8 != t || b8 != b)
      c.notes.push_back("outpaint margins rounded up to multiples of 8");
    c.picture = extend_canvas(c.picture, l8, r8, t8, b8, in.outpaint_fill == OutpaintFill::Noise, seed);
    at::Tensor m = c.mask.defined() ? c.mask : at::zeros({1, 1, c.height, c.width}, at::kFloat);
    c.mask = at::constant_pad_nd(m, {l8, r8, t8, b8}, 1.0);
    c.width += l8 + r8, c.height += t8 + b8;
  }
  return c;
}

PreparedImage prepare_image(ImageCanvas c, const ImageInput& in, MaskHandling handling, const AutoencoderKL& vae,
                            int64_t unet_in_channels, int64_t process_width, int64_t process_height,
                            EncodeNoise& noise, uint64_t, sampling::NoiseSource, int64_t tile_latent) {
  at::NoGradGuard no_grad;
  PreparedImage p;
  p.handling = handling;
  const bool inpaint = c.mask.defined();
  const bool nine = unet_in_channels == 9;
  const int64_t down = vae.config().downscale();
  if (nine && !inpaint)
    throw Error("the UNet takes 9 input channels (an inpainting model): it needs a mask (--mask) or outpaint margins");
  if (unet_in_channels != 4 && !nine)
    throw Error("a UNet with " + std::to_string(unet_in_channels) + " input channels cannot start from a picture");
  p.width = c.width, p.height = c.height;
  p.pure_noise_start = in.strength_rule == StrengthRule::Diffusers && inpaint && in.strength >= 1;
  if (!c.picture.defined()) {  // a latents file: no pixels to blur, crop or paste back
    if (nine) throw Error("a 9-channel inpainting UNet needs a picture, not latents (" + in.image + ")");
    if (inpaint && in.inpaint_area == InpaintArea::Masked)
      throw Error("inpaint area 'masked' needs a picture, not latents (" + in.image + ")");
    p.init_latents = c.source_latents;
    if (inpaint) {
      at::Tensor m = gaussian_blur(c.mask, handling == MaskHandling::A1111 ? in.mask_blur : 0);
      p.latent_mask = handling == MaskHandling::Diffusers ? nearest_cells(binarize(m), down) : latent_mask_rounded(m, down);
    }
    return p;
  }
  at::Tensor pic = c.picture;
  at::Tensor m;
  p.region = {0, 0, c.width, c.height};
  if (inpaint) {
    at::Tensor blurred = gaussian_blur(c.mask, in.mask_blur);
    // A1111 pastes back with the blurred mask doubled (clipped) over the whole picture, as is for "only masked".
    at::Tensor overlay = handling == MaskHandling::Diffusers      ? binarize(blurred)
                         : in.inpaint_area == InpaintArea::Masked ? blurred
                                                                  : (blurred * 2).clamp(0, 1);
    if (overlay.max().item<float>() <= 0) throw Error("mask " + in.mask + " selects nothing after binarizing");
    p.canvas = c.picture;
    p.overlay = overlay;
    m = handling == MaskHandling::Diffusers ? overlay : blurred;
    if (in.inpaint_area == InpaintArea::Masked) {
      const int64_t pw = process_width > 0 ? process_width : c.width, ph = process_height > 0 ? process_height : c.height;
      p.region = crop_region(blurred, in.masked_padding, pw, ph);
      pic = fit_lanczos(crop(pic, p.region), ph, pw);
      m = at::upsample_bilinear2d(crop(m, p.region), {ph, pw}, false).clamp(0, 1);
      if (handling == MaskHandling::Diffusers) m = binarize(m);
      p.width = pw, p.height = ph;
    }
    // A1111 fills the hole for every masked content but "original" (latent noise / nothing then replace its latents).
    if (in.masked_content != MaskedContent::Original) pic = fill_masked(pic, m);
  }
  if (!(p.pure_noise_start && nine)) p.init_latents = encode_sampled(vae, pic, noise, tile_latent);
  if (inpaint) {
    p.latent_mask = handling == MaskHandling::Diffusers ? nearest_cells(m, down) : latent_mask_rounded(m, down);
    if (nine) {
      at::Tensor cm = binarize(m);  // A1111 rounds, diffusers binarizes: the same at 0.5
      at::Tensor masked = pic * (1 - cm) + 0.5 * cm;  // masked pixels 0 in [−1, 1]
      at::Tensor masked_latents = encode_sampled(vae, masked, noise, tile_latent);
      p.unet_extra = at::cat({nearest_cells(cm, down), masked_latents}, 1);
    }
  }
  return p;
}

ImageStart start_from_image(const PreparedImage& p, const ImageInput& in, const std::vector<double>& sigmas,
                            const at::Tensor& noise, double init_scale) {
  ImageStart s;
  s.noise = noise;
  if (p.pure_noise_start) {
    s.x = noise * init_scale;
    return s;
  }
  s.first_step = strength_first_step(in.strength_rule, in.strength, int(sigmas.size()) - 1);
  const at::Tensor init = p.init_latents.to(noise.options());
  if (init.size(1) != noise.size(1) || init.size(2) != noise.size(2) || init.size(3) != noise.size(3))
    throw Error("init latents have shape " + shape_str(init.sizes()) + ", the noise " + shape_str(noise.sizes()));
  at::Tensor x0 = init.expand_as(noise);
  if (p.latent_mask.defined()) {
    const at::Tensor lm = p.latent_mask.to(noise.options());
    if (in.masked_content == MaskedContent::LatentNoise) x0 = x0 * (1 - lm) + noise * lm;  // A1111: the seed's noise
    if (in.masked_content == MaskedContent::LatentNothing) x0 = x0 * (1 - lm);
  }
  s.x = x0 + noise * sigmas[size_t(s.first_step)];
  return s;
}

DenoiserFactory blend_denoised(DenoiserFactory inner, at::Tensor init, at::Tensor mask) {
  return [inner = std::move(inner), init = std::move(init), mask = std::move(mask)](const sampling::GuidanceSchedule& g) {
    sampling::Denoiser d = inner(g);
    return sampling::Denoiser([d, init, mask](const at::Tensor& x, double sigma, int step) {
      return init * (1 - mask) + mask * d(x, sigma, step);
    });
  };
}

std::function<at::Tensor(const at::Tensor&, double)> blend_after_step(at::Tensor init, at::Tensor noise,
                                                                       at::Tensor mask) {
  return [init = std::move(init), noise = std::move(noise), mask = std::move(mask)](const at::Tensor& x,
                                                                                    double sigma_next) {
    at::Tensor known = sigma_next > 0 ? init + noise * sigma_next : init.expand_as(x);
    return (1 - mask) * known + mask * x;
  };
}

at::Tensor blend_final(const at::Tensor& x, const at::Tensor& init, const at::Tensor& mask) {
  return (1 - mask) * init + mask * x;
}

PassBlend blend_pass(const PreparedImage& image, const at::Tensor& known, const at::Tensor& noise,
                     const at::Tensor& latent_mask, DenoiserFactory& factory, PlanRunOptions& runner) {
  if (image.handling == MaskHandling::A1111) {
    factory = blend_denoised(factory, known, latent_mask);
    return {known, latent_mask};
  }
  if (!image.unet_extra.defined()) runner.after_step = blend_after_step(known, noise, latent_mask);
  return {};
}

Image paste_back(const at::Tensor& decoded, const PreparedImage& p) {
  if (!p.canvas.defined()) return to_image(decoded);
  at::Tensor gen = decoded.unsqueeze(0).to(at::kCPU, at::kFloat).clamp(0, 1);
  at::Tensor canvas = p.canvas.to(at::kCPU), overlay = p.overlay.to(at::kCPU);
  const bool whole = p.region == Box{0, 0, canvas.size(3), canvas.size(2)};
  at::Tensor composed;
  if (whole) {
    if (canvas.size(2) != gen.size(2) || canvas.size(3) != gen.size(3)) {  // a hires pass enlarged the result
      canvas = fit_lanczos(canvas, gen.size(2), gen.size(3));
      overlay = at::upsample_bilinear2d(overlay, {gen.size(2), gen.size(3)}, false);
    }
    composed = gen;
  } else {
    composed = canvas.clone();
    crop(composed, p.region).copy_(fit_lanczos(gen, p.region.height(), p.region.width()));
  }
  // In 8-bit steps: where the overlay is 0 the sum is the canvas byte exactly.
  at::Tensor c8 = canvas[0].mul(255).round(), g8 = composed[0].mul(255).round();
  at::Tensor a = overlay[0];
  at::Tensor out = (c8 * (1 - a) + g8 * a).round().clamp(0, 255).div(255);
  return to_image(out);
}

}  // namespace ripen
