#include "cli/image_flags.h"

#include <filesystem>
#include <sstream>

#include "cli/image_files.h"
#include "models/model_hash.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"

namespace ripen::cli {
std::string image_flags_help() {
  return "  --init-image FILE  (a picture, or a .safetensors with 'latents': start from it; img2img)  --strength S\n"
         "     (denoising strength in (0,1], default 0.75)  --strength-rule a1111|diffusers (default a1111;\n"
         "     --parity diffusers: diffusers, with its mask handling)\n"
         "  --mask FILE (inpaint: white or opaque = repaint; alpha when the file has transparency, else luma)\n"
         "  --mask-blur N (px, default 4)  --inpaint-area full|masked  --masked-padding N (px, default 32)\n"
         "  --masked-content fill|original|latent_noise|latent_nothing  --outpaint L,R,T,B (px per side)\n"
         "  --outpaint-fill edge|noise  --encode-noise FILE (tensors encode_noise.0, .1, …: the VAE encodes' noise)\n";
}

std::optional<ImageInput> image_input_from_flags(Args& args, bool diffusers_parity) {
  auto image = args.get("--init-image");
  const char* others[] = {"--strength", "--strength-rule", "--mask", "--mask-blur", "--inpaint-area",
                          "--masked-padding", "--masked-content", "--outpaint", "--outpaint-fill"};
  if (!image) {
    for (const char* f : others)
      if (args.get(f)) throw UsageError{std::string(f) + " applies with --init-image"};
    return std::nullopt;
  }
  if (!std::filesystem::exists(*image)) throw UsageError{"--init-image: file '" + *image + "' not found"};
  ImageInput in;
  in.image = *image;
  in.image_hash = usage_on_error([&] { return models::HashCache({}).sha256(*image); });
  in.strength = args.get_double("--strength", in.strength);
  if (!(in.strength > 0 && in.strength <= 1))
    throw UsageError{"--strength must be in (0, 1], got " + std::to_string(in.strength)};
  in.strength_rule = diffusers_parity ? StrengthRule::Diffusers : StrengthRule::A1111;
  if (auto v = args.get("--strength-rule")) in.strength_rule = usage_on_error([&] { return strength_rule_from_string(*v); });
  if (auto v = args.get("--mask")) {
    if (!std::filesystem::exists(*v)) throw UsageError{"--mask: file '" + *v + "' not found"};
    in.mask = *v;
  }
  in.mask_blur = args.get_int("--mask-blur", in.mask_blur);
  if (in.mask_blur < 0) throw UsageError{"--mask-blur must be >= 0"};
  if (auto v = args.get("--inpaint-area")) in.inpaint_area = usage_on_error([&] { return inpaint_area_from_string(*v); });
  in.masked_padding = args.get_int("--masked-padding", in.masked_padding);
  if (in.masked_padding < 0) throw UsageError{"--masked-padding must be >= 0"};
  if (auto v = args.get("--masked-content"))
    in.masked_content = usage_on_error([&] { return masked_content_from_string(*v); });
  if (auto v = args.get("--outpaint")) {
    std::vector<int> m;
    std::stringstream ss(*v);
    std::string item;
    try {
      while (std::getline(ss, item, ',')) {
        size_t used = 0;
        m.push_back(std::stoi(item, &used));
        if (used != item.size() || m.back() < 0) throw std::invalid_argument("bad");
      }
    } catch (const std::exception&) {
      m.clear();
    }
    if (m.size() != 4) throw UsageError{"--outpaint needs LEFT,RIGHT,TOP,BOTTOM pixels (e.g. 0,128,0,0), got '" + *v + "'"};
    in.outpaint_left = m[0], in.outpaint_right = m[1], in.outpaint_top = m[2], in.outpaint_bottom = m[3];
  }
  if (auto v = args.get("--outpaint-fill")) in.outpaint_fill = usage_on_error([&] { return outpaint_fill_from_string(*v); });
  return in;
}

std::vector<at::Tensor> encode_noise_flag(Args& args) {
  std::vector<at::Tensor> bank;
  auto f = args.get("--encode-noise");
  if (!f) return bank;
  if (!std::filesystem::exists(*f)) throw UsageError{"--encode-noise: file '" + *f + "' not found"};
  SafeTensors st = SafeTensors::open(*f);
  for (int k = 0;; ++k) {
    const std::string key = "encode_noise." + std::to_string(k);
    if (!st.contains(key)) break;
    bank.push_back(st.tensor(key, at::TensorOptions().dtype(at::kFloat)).clone());
  }
  if (bank.empty()) throw UsageError{"--encode-noise: " + *f + " has no tensor 'encode_noise.0'"};
  return bank;
}

ImageReader cli_image_reader() {
  return [](const std::string& path) {
    training::Image8 im = read_rgba_file(path);
    RgbaPixels p;
    p.width = im.width, p.height = im.height;
    if (im.channels == 4) {
      p.rgba = std::move(im.pixels);
    } else if (im.channels == 3) {
      p.rgba.reserve(size_t(im.width) * size_t(im.height) * 4);
      for (size_t i = 0; i < im.pixels.size(); i += 3)
        p.rgba.insert(p.rgba.end(), {im.pixels[i], im.pixels[i + 1], im.pixels[i + 2], uint8_t(255)});
    } else {
      throw Error(path + ": " + std::to_string(im.channels) + " channels, expected RGB or RGBA");
    }
    return p;
  };
}

}  // namespace ripen::cli
