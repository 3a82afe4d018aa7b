#include "models/validate.h"

#include <functional>
#include <optional>

#include "models/source.h"
#include "nets/autoencoder_kl.h"
#include "nets/unet.h"
#include "tensors/error.h"
#include "tensors/params.h"
#include "text/clip_text_model.h"

namespace ripen::models {
namespace {

// The component's tensors as meta tensors of the stored shapes and dtypes: declaring a network against them
// checks every key and shape and touches no weight.
ParamStore shape_store(const ComponentSource& comp) {
  std::map<std::string, at::Tensor> shapes;
  for (const auto& [k, t] : comp.tensors) shapes.emplace(k, at::empty(t.sizes(), t.options().device(at::kMeta)));
  return ParamStore::from_tensors(std::move(shapes), comp.origin, at::TensorOptions().dtype(at::kFloat).device(at::kMeta));
}

// Runs a network's `bind` against the stored shapes: ParamStore::finish's report (missing, mis-shaped and
// unexpected keys with both shapes), or empty.
std::string bind_problem(const ComponentSource& comp, std::vector<std::string> ignore,
                         const std::function<void(ParamStore&)>& declare) {
  try {
    ParamStore ps = shape_store(comp);
    declare(ps);
    ignore.insert(ignore.end(), comp.ignore_prefixes.begin(), comp.ignore_prefixes.end());
    ps.finish(ignore);
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

// A config that does not parse is a problem of its own (the parsers name the file and the field).
template <class Parse>
auto parse_config(const ComponentSource& comp, std::vector<std::string>& problems, Parse parse)
    -> std::optional<decltype(parse())> {
  try {
    return parse();
  } catch (const std::exception& e) {
    std::string what = e.what();
    problems.push_back(what.find(comp.config_origin) == std::string::npos ? comp.config_origin + ": " + what : what);
    return std::nullopt;
  }
}

struct Checked {
  std::optional<UNetConfig> unet;
  std::optional<VaeConfig> vae;
  std::map<std::string, text::ClipTextConfig> text;  // text_encoder, text_encoder_2
};

// Each component against its own config; only the ones that pass are kept for the checks between components.
Checked check_components(const ModelSource& src, std::vector<std::string>& problems) {
  Checked ok;
  for (const auto& [name, comp] : src.components) {
    std::string problem;
    if (name == "unet") {
      auto cfg = parse_config(comp, problems, [&] { return UNetConfig::from_json(comp.config, comp.config_origin); });
      if (!cfg) continue;
      problem = bind_problem(comp, {}, [&](ParamStore& ps) { UNet2DCondition::bind(ps, *cfg); });
      if (problem.empty()) ok.unet = cfg;
    } else if (name == "vae") {
      auto cfg = parse_config(comp, problems, [&] { return VaeConfig::from_json(comp.config, comp.config_origin); });
      if (!cfg) continue;
      problem = bind_problem(comp, {}, [&](ParamStore& ps) { AutoencoderKL::bind(ps, *cfg); });
      if (problem.empty()) ok.vae = cfg;
    } else {
      auto cfg = parse_config(comp, problems,
                              [&] { return text::ClipTextConfig::from_json_text(comp.config.dump(), comp.config_origin); });
      if (!cfg) continue;
      problem = bind_problem(comp, text::ClipTextModel::ignored_keys(), [&](ParamStore& ps) {
        text::ClipTextModel te;
        te.bind(ps, *cfg);
      });
      if (problem.empty()) ok.text.emplace(name, *cfg);
    }
    if (!problem.empty()) problems.push_back(problem + "\n  (the network as " + comp.config_origin + " describes it)");
  }
  return ok;
}

// The UNet as its neighbours need it: latent channels of the VAE, cross-attention width of the text encoder(s)
// (SDXL: both, concatenated), SDXL's added condition = pooled text + 6 embedded time ids. The UNet's weights are
// declared against that config, so a disagreement is reported key by key with both shapes.
void check_unet_against_neighbours(const ModelSource& src, const Checked& ok, std::vector<std::string>& problems) {
  if (!ok.unet) return;
  UNetConfig want = *ok.unet;
  std::vector<std::string> reasons;
  auto origin = [&](const std::string& c) { return src.components.at(c).config_origin; };
  // An inpainting UNet takes 2·latent + 1 channels: the latents, the mask and the masked picture's latents.
  const bool inpainting = ok.vae && want.in_channels == 2 * ok.vae->latent_channels + 1;
  if (ok.vae && ((want.in_channels != ok.vae->latent_channels && !inpainting) ||
                 want.out_channels != ok.vae->latent_channels)) {
    reasons.push_back("in_channels " + std::to_string(want.in_channels) + " and out_channels " + std::to_string(want.out_channels) +
                      " must be the VAE's latent_channels " + std::to_string(ok.vae->latent_channels) + " (" + origin("vae") +
                      "; in_channels 2·latent + 1 for an inpainting UNet)");
    want.in_channels = inpainting ? want.in_channels : ok.vae->latent_channels;
    want.out_channels = ok.vae->latent_channels;
  }
  const bool sdxl = src.detection.arch == Arch::SDXL;
  const std::vector<std::string> encoders = sdxl ? std::vector<std::string>{"text_encoder", "text_encoder_2"}
                                                 : std::vector<std::string>{"text_encoder"};
  bool all_text = true;
  int64_t width = 0;
  std::string width_from;
  for (const auto& e : encoders) {
    auto it = ok.text.find(e);
    if (it == ok.text.end()) {
      all_text = false;
      continue;
    }
    width += it->second.hidden_size;
    width_from += (width_from.empty() ? "" : " + ") + std::to_string(it->second.hidden_size) + " (" + origin(e) + ")";
  }
  if (all_text && want.cross_attention_dim != width) {
    reasons.push_back("cross_attention_dim " + std::to_string(want.cross_attention_dim) + " must be the text encoder" +
                      (sdxl ? "s' hidden_size " : "'s hidden_size ") + width_from);
    want.cross_attention_dim = width;
  }
  if (sdxl && want.has_text_time() && ok.text.count("text_encoder_2")) {
    const auto& te2 = ok.text.at("text_encoder_2");
    const int64_t pooled = te2.with_projection ? te2.projection_dim : te2.hidden_size;
    const int64_t added = pooled + 6 * want.addition_time_embed_dim;
    if (want.projection_class_embeddings_input_dim != added) {
      reasons.push_back("projection_class_embeddings_input_dim " + std::to_string(want.projection_class_embeddings_input_dim) +
                        " must be the pooled text width " + std::to_string(pooled) + " (" + origin("text_encoder_2") +
                        ") + 6 x addition_time_embed_dim " + std::to_string(want.addition_time_embed_dim));
      want.projection_class_embeddings_input_dim = added;
    }
  }
  if (reasons.empty()) return;
  const auto& unet = src.components.at("unet");
  std::string found = bind_problem(unet, {}, [&](ParamStore& ps) { UNet2DCondition::bind(ps, want); });
  if (found.empty()) return;  // the differing field shapes no weight (e.g. a UNet without cross-attention)
  std::string why;
  for (const auto& r : reasons) why += (why.empty() ? "" : "; ") + r;
  problems.push_back(unet.config_origin + ": the UNet does not fit the other components: " + why + "\n" + found);
}

}  // namespace

void validate_model_source(const ModelSource& src) {
  std::vector<std::string> problems;
  Checked ok = check_components(src, problems);
  check_unet_against_neighbours(src, ok, problems);
  if (problems.empty()) return;
  std::string combined;
  for (const auto& [name, file] : src.component_files) combined += " + " + name + " " + file;
  std::string msg = src.detection.path + combined + ": the weights do not match the model's configs (" + std::to_string(problems.size()) +
                    (problems.size() == 1 ? " problem)" : " problems)");
  for (const auto& p : problems) msg += "\n" + p;
  throw Error(msg);
}

void validate_model(const std::string& path, const LoadOptions& options) {
  validate_model_source(open_model_source(path, options));
}

}  // namespace ripen::models
