#include "bench/model_bench.h"

#include <algorithm>
#include <cmath>

#include "models/model.h"
#include "pipeline/model_presets.h"
#include "tensors/error.h"

namespace ripen {
namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct PresetRuns {
  std::vector<double> total, text, sampling, unet, decode, per_eval, evals, steps, other_per_step;
  std::map<std::string, int> stop_reasons;
};

nlohmann::json summarize(const PresetRuns& r) {
  auto [smin, smax] = std::minmax_element(r.steps.begin(), r.steps.end());
  auto [tmin, tmax] = std::minmax_element(r.total.begin(), r.total.end());
  double steps_mean = 0;
  for (double s : r.steps) steps_mean += s / double(r.steps.size());
  return {{"runs", r.total.size()},
          {"seconds_per_image", median(r.total)},
          {"seconds_per_image_min", *tmin},
          {"seconds_per_image_max", *tmax},
          {"seconds_text", median(r.text)},
          {"seconds_sampling", median(r.sampling)},
          {"seconds_unet", median(r.unet)},
          {"seconds_decode", median(r.decode)},
          {"unet_evals", median(r.evals)},
          {"seconds_per_unet_eval", median(r.per_eval)},
          {"sampler_and_preview_seconds_per_step", median(r.other_per_step)},
          {"steps_mean", steps_mean},
          {"steps_min", *smin},
          {"steps_max", *smax},
          {"stop_reasons", r.stop_reasons}};
}

}  // namespace

double relative_l2(const std::vector<Image>& a, const std::vector<Image>& b) {
  double diff = 0, ref = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i].rgb.size() != b[i].rgb.size()) throw Error("relative_l2: images of different sizes");
    for (size_t j = 0; j < a[i].rgb.size(); ++j) {
      const double d = double(a[i].rgb[j]) - double(b[i].rgb[j]);
      diff += d * d;
      ref += double(b[i].rgb[j]) * double(b[i].rgb[j]);
    }
  }
  return ref > 0 ? std::sqrt(diff / ref) : 0.0;
}

ModelBenchResult bench_model_presets(Pipeline& pipeline, const GenerationRequest& base, const ModelBenchOptions& o) {
  if (o.prompts.empty()) throw Error("bench: no prompts");
  if (o.count < 1) throw Error("bench: count must be >= 1");
  const ModelPresetCatalog catalog = load_model_presets(model_preset_dirs());
  auto request = [&](const std::string& preset, int i) {
    GenerationRequest r = base;
    try {
      r.preset = preset_from_string(preset);
    } catch (const Error&) {
      const ModelPreset* p = catalog.find(preset);
      if (!p) throw Error("bench: unknown preset '" + preset + "'");
      r = p->applied_to(r);
      r.width = base.width, r.height = base.height;
    }
    r.prompt = o.prompts[size_t(i) % o.prompts.size()];
    r.seed = o.seed + uint64_t(i);
    return r;
  };
  ModelBenchResult out;
  if (o.warmup) {
    for (const std::string& p : o.presets) {
      GenerationRequest r = request(p, 0);
      r.seed += 1000003;  // not one of the counted runs
      GenerationResult g = pipeline.generate(r);
      if (!g.ok()) throw Error("bench: " + p + ": " + g.error);
    }
  }
  std::map<std::string, PresetRuns> runs;
  for (int i = 0; i < o.count; ++i) {
    for (const std::string& p : o.presets) {
      GenerationResult g = pipeline.generate(request(p, i));
      if (!g.ok()) throw Error("bench: " + p + ": " + g.error);
      const auto& rec = g.record;
      PresetRuns& r = runs[p];
      const int steps = std::max(1, rec.steps_used);
      r.total.push_back(rec.seconds_total);
      r.text.push_back(rec.seconds_text);
      r.sampling.push_back(rec.seconds_sampling);
      r.unet.push_back(g.seconds_unet);
      r.decode.push_back(rec.seconds_decode);
      r.evals.push_back(rec.unet_evals);
      r.per_eval.push_back(rec.unet_evals ? g.seconds_unet / rec.unet_evals : 0.0);
      r.steps.push_back(rec.steps_used);
      r.other_per_step.push_back((rec.seconds_sampling - g.seconds_unet) / steps);
      r.stop_reasons[rec.stop_reason.empty() ? "(none)" : rec.stop_reason]++;
      if (!g.images.empty()) out.images[p].push_back(g.images[0]);
    }
  }
  out.json = nlohmann::json::object();
  for (const std::string& p : o.presets) out.json[p] = summarize(runs[p]);
  return out;
}

}  // namespace ripen
