#include "cli/request_flags.h"

#include <cmath>
#include <filesystem>
#include <sstream>

#include "cli/lora_flags.h"
#include "pipeline/model_presets.h"
#include "pipeline/presets.h"
#include "sampling/noise_source.h"
#include "sampling/registry_names.h"
#include "tensors/error.h"

namespace ripen::cli {
namespace {

double parse_double(const std::string& flag, const std::string& v) {
  try {
    size_t used = 0;
    double d = std::stod(v, &used);
    if (used == v.size() && std::isfinite(d)) return d;
  } catch (...) {
  }
  throw UsageError{flag + " needs a finite number, got '" + v + "'"};
}

// --preset NAME: a built-in preset, else a model preset (model_presets.h) applied to the request.
bool apply_preset_flag(const std::string& name, GenerationRequest& r) {
  try {
    r.preset = preset_from_string(name);
    return false;
  } catch (const Error&) {
  }
  const ModelPresetCatalog catalog = load_model_presets(model_preset_dirs());
  if (const ModelPreset* p = catalog.find(name)) {
    r = p->applied_to(r);
    return true;
  }
  std::string names = "fast, quality, lightning, draft, custom";
  for (const auto& p : catalog.presets) names += ", " + p.name;
  std::string msg = "unknown preset '" + name + "' (available: " + names + ")";
  for (const auto& problem : catalog.problems) msg += "; not loaded: " + problem;
  throw UsageError{msg};
}
}  // namespace

std::string request_flags_help() {
  using sampling::joined_names;
  return "  --model PATH|embedded  --unet FILE|DIR  --vae FILE (UNet-only / VAE file replacing the model's)\n"
         "  --prompt TEXT  --negative TEXT  --seed N  --size WxH (default: the model's)  --batch N\n"
         "  --preset fast|quality|lightning|draft|custom|MODEL-PRESET (`ripen-cli presets` lists them; draft: the\n"
         "     model's distilled student, --steps 1-8, default its own)  --sampler NAME\n"
         "  --schedule " +
         joined_names(sampling::schedule_names(), "|") + "\n     (samplers: " + joined_names(sampling::sampler_names()) +
         ")\n"
         "  --steps N  --cfg X  --cfg-schedule X,Y,...  --clip-skip N  --noise " +
         joined_names(sampling::noise_source_names(), "|") +
         "  --eta X  --s-noise X\n"
         "  --solver-type midpoint|heun  --polish-sigma X  --adaptive on|off (custom: stop once the image settles)\n"
         "  --hires  (quality/custom: upscale 2x, re-noise, finish; \"hires fix\")  --hires-strength X (0..1,\n"
         "     default 0.45; latent upscale wants 0.55-0.7)  --hires-steps N (default 20)  --hires-upscale image|latent\n"
         "  --lora FILE[:TE[:UNET]]  (repeatable) a LoRA / LyCORIS network; one number sets both multipliers\n";
}

GenerationRequest request_from_flags(Args& args, GenerationRequest r) {
  if (auto v = args.get("--model")) r.model = *v;
  if (auto v = args.get("--unet")) r.unet = *v;
  if (auto v = args.get("--vae")) r.vae = *v;
  if (auto v = args.get("--prompt")) r.prompt = *v;
  if (auto v = args.get("--negative")) r.negative_prompt = *v;
  if (auto v = args.get("--seed")) {
    try {
      size_t used = 0;
      if (!v->empty() && (*v)[0] == '-') throw std::invalid_argument("negative");
      r.seed = std::stoull(*v, &used);
      if (used != v->size()) throw std::invalid_argument("junk");
    } catch (const std::exception&) {
      throw UsageError{"--seed needs a non-negative integer, got '" + *v + "'"};
    }
  }
  bool size_given = false;
  if (auto v = args.get("--size")) {
    size_given = true;
    auto x = v->find_first_of("xX");
    int w = 0, h = 0;
    try {
      if (x == std::string::npos) throw std::invalid_argument("no x");
      size_t u1 = 0, u2 = 0;
      std::string a = v->substr(0, x), b = v->substr(x + 1);
      w = std::stoi(a, &u1);
      h = std::stoi(b, &u2);
      if (u1 != a.size() || u2 != b.size()) throw std::invalid_argument("junk");
    } catch (const std::exception&) {
      throw UsageError{"--size needs WIDTHxHEIGHT (e.g. 512x768), got '" + *v + "'"};
    }
    r.width = w;
    r.height = h;
  }
  r.batch = args.get_int("--batch", r.batch);
  bool preset_given = false;
  if (auto v = args.get("--preset")) {
    const int width = r.width, height = r.height;
    if (apply_preset_flag(*v, r) && size_given) r.width = width, r.height = height;  // --size wins
    preset_given = true;
  }
  // Sampler settings given on the command line only take effect in the custom preset; say so instead of
  // silently ignoring them.
  bool sampler_flags = false;
  if (auto v = args.get("--sampler")) r.sampler = *v, sampler_flags = true;
  if (auto v = args.get("--schedule")) r.schedule = *v, sampler_flags = true;
  bool steps_given = false;
  if (auto v = args.get("--steps")) {
    try {
      size_t used = 0;
      r.steps = std::stoi(*v, &used);
      if (used != v->size()) throw std::invalid_argument("junk");
    } catch (const std::exception&) {
      throw UsageError{"--steps needs an integer, got '" + *v + "'"};
    }
    steps_given = true;
  }
  if (auto v = args.get("--cfg")) r.cfg = parse_double("--cfg", *v), sampler_flags = true;
  if (auto v = args.get("--cfg-schedule")) {
    r.cfg_schedule.clear();
    std::stringstream ss(*v);
    std::string item;
    while (std::getline(ss, item, ',')) r.cfg_schedule.push_back(parse_double("--cfg-schedule", item));
    sampler_flags = true;
  }
  r.clip_skip = args.get_int("--clip-skip", r.clip_skip);
  if (auto v = args.get("--noise")) r.noise = usage_on_error([&] { return sampling::noise_source_from_string(*v); });
  r.eta = args.get_double("--eta", r.eta);
  r.s_noise = args.get_double("--s-noise", r.s_noise);
  if (auto v = args.get("--solver-type")) r.solver_type = *v;
  if (auto v = args.get("--adaptive")) {  // custom: stop early once the image has settled (model presets set it)
    if (*v != "on" && *v != "off") throw UsageError{"--adaptive must be on or off, got '" + *v + "'"};
    r.adaptive = *v == "on";
    sampler_flags = true;
  }
  if (args.flag("--hires")) r.hires = true;
  r.hires_strength = args.get_double("--hires-strength", r.hires_strength);
  auto hires_steps = args.get("--hires-steps");
  if (hires_steps) {
    try {
      size_t used = 0;
      r.hires_steps = std::stoi(*hires_steps, &used);
      if (used != hires_steps->size()) throw std::invalid_argument("junk");
    } catch (const std::exception&) {
      throw UsageError{"--hires-steps needs an integer, got '" + *hires_steps + "'"};
    }
  }
  auto hires_upscale = args.get("--hires-upscale");
  if (hires_upscale) {
    if (*hires_upscale != "image" && *hires_upscale != "latent")
      throw UsageError{"--hires-upscale must be image or latent, got '" + *hires_upscale + "'"};
    r.hires_upscale = hires_upscale_from_string(*hires_upscale);
  }
  if ((hires_steps || hires_upscale) && !r.hires)
    throw UsageError{std::string(hires_steps ? "--hires-steps" : "--hires-upscale") + " applies with --hires"};
  r.polish_sigma = args.get_double("--polish-sigma", r.polish_sigma);
  for (auto& n : lora_flags(args)) r.networks.push_back(std::move(n));
  // Sampler flags without --preset mean custom; fast and quality decide these themselves, lightning takes
  // only --steps (4 to 6), draft only --steps (1 to 8).
  if ((sampler_flags || (steps_given && r.preset != Preset::Lightning)) && !preset_given) r.preset = Preset::Custom;
  if (sampler_flags && r.preset != Preset::Custom)
    throw UsageError{"--sampler, --schedule, --cfg and --cfg-schedule apply to --preset custom, not " + to_string(r.preset)};
  if (steps_given && (r.preset == Preset::Fast || r.preset == Preset::Quality))
    throw UsageError{"--steps applies to --preset custom, lightning or draft, not " + to_string(r.preset) +
                     " (fast picks its own steps, quality uses 30)"};
  if (steps_given && r.steps < 1) throw UsageError{"steps " + std::to_string(r.steps) + " is below 1"};
  if (r.preset == Preset::Lightning && steps_given && (r.steps < 4 || r.steps > 6))
    throw UsageError{"lightning takes 4 to 6 steps, got " + std::to_string(r.steps)};
  if (r.preset == Preset::Draft && steps_given && r.steps > 8)
    throw UsageError{"draft takes 1 to 8 steps, got " + std::to_string(r.steps)};
  usage_on_error([&] {
    validate_request(r);
    return 0;
  });
  return r;
}

}  // namespace ripen::cli
