#pragma once
// A generation that starts from a picture (img2img, inpainting, outpainting): what the request asks for, in plain
// data (no libtorch), serialised with the request. The engine's side is pipeline/stage_image.h.
#include <nlohmann/json.hpp>
#include <string>

namespace ripen {

// Where the strength puts the first step of an N-step schedule (it changes how many steps run):
//   A1111:     t_enc = ⌊min(s, 0.999)·N⌋, the last t_enc + 1 steps run (from σ[N − t_enc − 1]) — the k-samplers of
//              AUTOMATIC1111 (sd_samplers_common.setup_img2img_steps), the default;
//   Diffusers: n = min(⌊N·s⌋, N), the last n steps run (from σ[N − n]) — diffusers' get_timesteps.
enum class StrengthRule { A1111, Diffusers };
// The region the mask repaints is processed at: the whole picture, or the mask's box plus padding, enlarged to the
// request's size and pasted back (A1111's "Only masked").
enum class InpaintArea { Full, Masked };
// What the masked region starts as (A1111 "Masked content"): fill = the picture's colours blurred into the hole,
// original = the picture, latent noise = the hole filled, then the seed's noise in place of its latents, latent
// nothing = the hole filled, then zero latents there.
enum class MaskedContent { Fill, Original, LatentNoise, LatentNothing };
// How outpainting fills the new canvas before it is repainted: repeat the edge pixels, or uniform noise.
enum class OutpaintFill { Edge, Noise };

struct ImageInput {
  std::string image;       // a picture file (PNG, JPEG, …) or a .safetensors file with `latents` (UNet space)
  std::string image_hash;  // sha256 of the file's bytes (hex): the library's link to the source picture
  double strength = 0.75;  // denoising strength, in (0, 1]
  StrengthRule strength_rule = StrengthRule::A1111;
  // Inpainting: the mask file (white / opaque = repaint). Empty: plain img2img.
  std::string mask;
  int mask_blur = 4;                  // Gaussian σ in pixels (A1111 "Mask blur"), 0 = hard edge
  InpaintArea inpaint_area = InpaintArea::Full;
  int masked_padding = 32;            // pixels around the mask's box (InpaintArea::Masked)
  MaskedContent masked_content = MaskedContent::Original;
  // Outpainting: pixels added on each side (the new area becomes the mask).
  int outpaint_left = 0, outpaint_right = 0, outpaint_top = 0, outpaint_bottom = 0;
  OutpaintFill outpaint_fill = OutpaintFill::Edge;

  bool inpaint() const { return !mask.empty() || outpaints(); }
  bool outpaints() const { return outpaint_left + outpaint_right + outpaint_top + outpaint_bottom > 0; }
  // What the margins add to the canvas (each rounded up to a multiple of 8).
  int outpaint_width() const;
  int outpaint_height() const;
  nlohmann::json to_json() const;
  static ImageInput from_json(const nlohmann::json& j);  // throws ripen::Error on bad fields
  bool operator==(const ImageInput&) const = default;
};

std::string to_string(StrengthRule r);
std::string to_string(InpaintArea a);
std::string to_string(MaskedContent c);
std::string to_string(OutpaintFill f);
StrengthRule strength_rule_from_string(const std::string& s);      // "a1111" | "diffusers"
InpaintArea inpaint_area_from_string(const std::string& s);        // "full" | "masked"
MaskedContent masked_content_from_string(const std::string& s);    // "fill" | "original" | "latent_noise" | "latent_nothing"
OutpaintFill outpaint_fill_from_string(const std::string& s);      // "edge" | "noise"

// A1111's words for the infotext ("Whole picture" / "Only masked"; "fill" / "original" / "latent noise" /
// "latent nothing") and back (nullopt-like: throws ripen::Error on other words).
std::string a1111_inpaint_area(InpaintArea a);
std::string a1111_masked_content(MaskedContent c);
InpaintArea inpaint_area_from_a1111(const std::string& s);
MaskedContent masked_content_from_a1111(const std::string& s);

// The first step of the N-step σ sequence an img2img pass starts at (0 ≤ result < N). Throws ripen::Error when
// strength is outside (0, 1] or rounds to no step at all (diffusers' rule with N·s < 1).
int strength_first_step(StrengthRule rule, double strength, int steps);

}  // namespace ripen
