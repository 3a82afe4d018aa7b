#include <filesystem>
#include <set>

#include "models/model.h"
#include "models/model_hash.h"
#include "models/source.h"
#include "models/validate.h"
#include "tensors/error.h"
#include "tensors/mapped_pages.h"
#include "tensors/params.h"
#include "text/sentencepiece_prompt_tokenizer.h"

namespace fs = std::filesystem;

namespace ripen::models {
namespace {

bool wanted(const LoadOptions& o, const std::string& name) {
  if (o.components.empty()) return true;
  return std::find(o.components.begin(), o.components.end(), name) != o.components.end();
}

// Converts each tensor that needs another dtype/device now, one at a time, releasing the file pages it was
// read from right away: loading an fp16 file into fp32 then peaks at the converted weights plus one tensor,
// not plus the whole file. Tensors already in the target form stay zero-copy views of the mapping.
// `sources` (optional) keeps each converted tensor's file view (LoadedModel::weight_sources).
ParamStore store_for(ComponentSource& comp, at::TensorOptions target,
                     std::map<std::string, at::Tensor>* sources = nullptr) {
  const auto dtype = target.dtype().toScalarType();
  for (auto& [k, t] : comp.tensors) {
    if (!at::isFloatingType(t.scalar_type()) || (t.scalar_type() == dtype && t.device() == target.device())) continue;
    at::Tensor converted = t.to(target.device(), dtype);
    release_mapped_pages(t);
    if (sources && is_mapped_view(t)) (*sources)[k] = t;
    t = converted;
  }
  return ParamStore::from_tensors(comp.tensors, comp.origin, target);
}

void finish(ParamStore& ps, ComponentSource& comp, std::vector<std::string> ignore) {
  for (const auto& p : comp.ignore_prefixes) ignore.push_back(p);
  ps.finish(ignore);
  comp.tensors.clear();
}

std::shared_ptr<const text::TokenEncoder> make_tokenizer(const TokenizerSource& t) {
  if (!t.dir.empty() && text::SentencePiecePromptTokenizer::is_sentencepiece_folder(t.dir))
    return std::make_shared<text::SentencePiecePromptTokenizer>(text::SentencePiecePromptTokenizer::from_folder(t.dir));
  if (!t.dir.empty()) return std::make_shared<text::ClipTokenizer>(text::ClipTokenizer::from_folder(t.dir));
  text::ClipTokenizer::Options o;
  o.pad_id = t.pad_id;
  o.bang_as_pad = t.bang_as_pad;
  return std::make_shared<text::ClipTokenizer>(text::ClipTokenizer::bundled(o));
}

}  // namespace

LoadedModel load_model(const std::string& path, const LoadOptions& options) {
  ModelSource src = open_model_source(path, options);
  validate_model_source(src);  // every mismatch at once, before any weight is converted
  LoadedModel m;
  m.path = path;
  m.name = model_name(path);
  m.detection = src.detection;
  m.arch = src.detection.arch;
  m.prediction = src.detection.prediction;
  m.scheduler = src.scheduler;
  m.component_files = src.component_files;
  m.force_zeros_for_empty_prompt = src.force_zeros_for_empty_prompt;
  m.conditioning = m.arch == Arch::SDXL ? TextConditioning::PenultimateConcat : TextConditioning::LastHidden;
  auto target = at::TensorOptions().dtype(options.dtype).device(options.device);

  for (const auto& [name, tok] : src.tokenizers) {
    if (!wanted(options, name)) continue;
    (name == "tokenizer" ? m.tokenizer : m.tokenizer_2) = make_tokenizer(tok);
  }
  for (auto& [name, comp] : src.components) {
    m.configs[name] = comp.config;
    if (!wanted(options, name)) continue;
    if (name == "unet") {
      UNetConfig cfg = UNetConfig::from_json(comp.config, comp.config_origin);
      ParamStore ps = store_for(comp, target, &m.weight_sources[name]);
      m.unet = UNet2DCondition::bind(ps, cfg);
      finish(ps, comp, {});
      m.weights[name] = ps.param_map();
    } else if (name == "vae") {
      VaeConfig cfg = VaeConfig::from_json(comp.config, comp.config_origin);
      auto vae_target = target.dtype(AutoencoderKL::safe_dtype(cfg, options.dtype, options.device));
      ParamStore ps = store_for(comp, vae_target);
      m.vae = AutoencoderKL::bind(ps, cfg);
      finish(ps, comp, {});
    } else {
      auto cfg = text::ClipTextConfig::from_json_text(comp.config.dump(), comp.config_origin);
      ParamStore ps = store_for(comp, target, &m.weight_sources[name]);
      text::ClipTextModel te;
      te.bind(ps, cfg);
      finish(ps, comp, text::ClipTextModel::ignored_keys());
      m.weights[name] = ps.param_map();
      (name == "text_encoder" ? m.text_encoder : m.text_encoder_2) = std::move(te);
    }
  }
  if (wanted(options, "vae")) {  // step previews
    const int64_t channels = m.unet ? m.unet->config().out_channels : 0;  // latent channels (an inpainting UNet takes 9)
    m.latent_rgb = model_latent_rgb_factors(path, m.arch, channels, &m.latent_rgb_source);
    auto files = options.taesd_path.empty() ? find_taesd(path, m.arch) : std::vector<std::string>{options.taesd_path};
    if (!files.empty()) {
      // Half precision convolutions are slow or missing on CPU; the decoder is small, keep it float there.
      auto t = target.dtype(options.device.is_cpu() ? at::kFloat : options.dtype);
      m.taesd = load_taesd_decoder(files, channels, t);
      for (const auto& f : files) m.taesd_source += (m.taesd_source.empty() ? "" : " + ") + f;
    }
  }
  if (wanted(options, "unet")) {  // adaptive stopping: the model's own predictor, when it has one
    const fs::path dir = fs::path(path) / "predictor";
    if (fs::is_directory(path) && fs::exists(dir / "config.json")) {
      m.stop_predictor = std::make_shared<const StopPredictorNet>(StopPredictorNet::load(dir.string()));
      m.stop_predictor_source = dir.string();
    }
    const std::string student = options.student_path.empty() ? find_student_dir(path) : options.student_path;
    if (!student.empty()) m.student_info = read_student_info(student);
  }
  if (options.compute_hash) {
    ModelHash h = hash_of_files(src.hashed_files);  // cached: computed once per file version (model_hash.h)
    m.sha256 = h.sha256;
    m.short_hash = h.short_hash;
  }
  return m;
}

}  // namespace ripen::models
