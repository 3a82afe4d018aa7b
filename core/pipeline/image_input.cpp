#include "pipeline/image_input.h"

#include <algorithm>
#include <cmath>

#include "pipeline/name_table.h"
#include "tensors/error.h"

namespace ripen {
namespace {
constexpr std::pair<StrengthRule, const char*> kRules[] = {{StrengthRule::A1111, "a1111"},
                                                            {StrengthRule::Diffusers, "diffusers"}};
constexpr std::pair<InpaintArea, const char*> kAreas[] = {{InpaintArea::Full, "full"}, {InpaintArea::Masked, "masked"}};
constexpr std::pair<MaskedContent, const char*> kContents[] = {{MaskedContent::Fill, "fill"},
                                                                {MaskedContent::Original, "original"},
                                                                {MaskedContent::LatentNoise, "latent_noise"},
                                                                {MaskedContent::LatentNothing, "latent_nothing"}};
constexpr std::pair<OutpaintFill, const char*> kFills[] = {{OutpaintFill::Edge, "edge"}, {OutpaintFill::Noise, "noise"}};
// AUTOMATIC1111's infotext words (modules/ui.py: inpainting_fill choices, inpaint_full_res "Whole picture"/"Only masked").
constexpr std::pair<InpaintArea, const char*> kA1111Areas[] = {{InpaintArea::Full, "Whole picture"},
                                                                {InpaintArea::Masked, "Only masked"}};
constexpr std::pair<MaskedContent, const char*> kA1111Contents[] = {{MaskedContent::Fill, "fill"},
                                                                     {MaskedContent::Original, "original"},
                                                                     {MaskedContent::LatentNoise, "latent noise"},
                                                                     {MaskedContent::LatentNothing, "latent nothing"}};
}  // namespace

std::string to_string(StrengthRule r) { return to_table(r, kRules); }
std::string to_string(InpaintArea a) { return to_table(a, kAreas); }
std::string to_string(MaskedContent c) { return to_table(c, kContents); }
std::string to_string(OutpaintFill f) { return to_table(f, kFills); }
StrengthRule strength_rule_from_string(const std::string& s) { return from_table(s, kRules, "strength rule"); }
InpaintArea inpaint_area_from_string(const std::string& s) { return from_table(s, kAreas, "inpaint area"); }
MaskedContent masked_content_from_string(const std::string& s) { return from_table(s, kContents, "masked content"); }
OutpaintFill outpaint_fill_from_string(const std::string& s) { return from_table(s, kFills, "outpaint fill"); }
std::string a1111_inpaint_area(InpaintArea a) { return to_table(a, kA1111Areas); }
std::string a1111_masked_content(MaskedContent c) { return to_table(c, kA1111Contents); }
InpaintArea inpaint_area_from_a1111(const std::string& s) { return from_table(s, kA1111Areas, "Inpaint area"); }
MaskedContent masked_content_from_a1111(const std::string& s) {
  return from_table(s, kA1111Contents, "Masked content");
}

nlohmann::json ImageInput::to_json() const {
  return {{"image", image},
          {"image_hash", image_hash},
          {"strength", strength},
          {"strength_rule", to_string(strength_rule)},
          {"mask", mask},
          {"mask_blur", mask_blur},
          {"inpaint_area", to_string(inpaint_area)},
          {"masked_padding", masked_padding},
          {"masked_content", to_string(masked_content)},
          {"outpaint", {outpaint_left, outpaint_right, outpaint_top, outpaint_bottom}},
          {"outpaint_fill", to_string(outpaint_fill)}};
}

ImageInput ImageInput::from_json(const nlohmann::json& j) {
  ImageInput in;
  try {
    in.image = j.value("image", "");
    in.image_hash = j.value("image_hash", "");
    in.strength = j.value("strength", in.strength);
    in.strength_rule = strength_rule_from_string(j.value("strength_rule", std::string("a1111")));
    in.mask = j.value("mask", "");
    in.mask_blur = j.value("mask_blur", in.mask_blur);
    in.inpaint_area = inpaint_area_from_string(j.value("inpaint_area", std::string("full")));
    in.masked_padding = j.value("masked_padding", in.masked_padding);
    in.masked_content = masked_content_from_string(j.value("masked_content", std::string("original")));
    if (j.contains("outpaint")) {
      const auto& o = j.at("outpaint");
      if (!o.is_array() || o.size() != 4) throw Error("image input JSON: 'outpaint' must be [left, right, top, bottom]");
      in.outpaint_left = o[0].get<int>(), in.outpaint_right = o[1].get<int>();
      in.outpaint_top = o[2].get<int>(), in.outpaint_bottom = o[3].get<int>();
    }
    in.outpaint_fill = outpaint_fill_from_string(j.value("outpaint_fill", std::string("edge")));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("image input JSON: ") + e.what());
  }
  return in;
}

namespace {
int round_up8(int v) { return (v + 7) / 8 * 8; }
}  // namespace
int ImageInput::outpaint_width() const { return round_up8(outpaint_left) + round_up8(outpaint_right); }
int ImageInput::outpaint_height() const { return round_up8(outpaint_top) + round_up8(outpaint_bottom); }

int strength_first_step(StrengthRule rule, double strength, int steps) {
  if (!(strength > 0 && strength <= 1))
    throw Error("denoising strength must be in (0, 1], got " + std::to_string(strength));
  if (steps < 1) throw Error("img2img needs at least one step");
  if (rule == StrengthRule::A1111) {
    const int t_enc = int(std::min(strength, 0.999) * steps);
    return steps - t_enc - 1;
  }
  const int n = std::min(int(steps * strength), steps);
  if (n < 1)
    throw Error("denoising strength " + std::to_string(strength) + " of " + std::to_string(steps) +
                " steps runs no step under diffusers' rule (⌊steps·strength⌋ = 0)");
  return steps - n;
}

}  // namespace ripen
