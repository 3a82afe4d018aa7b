// ripen-cli presets [--json] [--model FILE]: the model presets (resources/presets, the user's folders) with what
// each sets, files that could not be read (each naming the file and key; exit 1 when there are any), and with
// --model the preset the file's name or metadata identifies.
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "pipeline/model_presets.h"
#include "tensors/safetensors_metadata.h"

namespace ripen::cli {
namespace {
nlohmann::json preset_json(const ModelPreset& p) {
  return {{"name", p.name},         {"label", p.label},   {"description", p.description},
          {"architectures", p.architectures}, {"sampler", p.sampler}, {"schedule", p.schedule},
          {"steps", p.steps},       {"cfg", p.cfg},       {"width", p.width},
          {"height", p.height},     {"adaptive", p.adaptive}, {"match", p.match},
          {"file", p.file.string()}};
}

int run_presets(Args& args) {
  const bool as_json = args.flag("--json");
  auto model = args.get("--model");
  args.finish();
  const ModelPresetCatalog catalog = load_model_presets(model_preset_dirs());
  const ModelPreset* proposed = model ? catalog.proposed_for(*model, safetensors_metadata_or_none(*model)) : nullptr;
  if (as_json) {
    nlohmann::json j = {{"presets", nlohmann::json::array()}, {"problems", catalog.problems}};
    for (const auto& p : catalog.presets) j["presets"].push_back(preset_json(p));
    if (model) j["proposed"] = proposed ? nlohmann::json(proposed->name) : nlohmann::json(nullptr);
    std::cout << j.dump(2) << "\n";
  } else {
    for (const auto& p : catalog.presets) {
      std::cout << std::left << std::setw(22) << p.name << " " << p.sampler << " / " << p.schedule << ", " << p.steps
                << " steps, CFG " << p.cfg;
      if (p.width) std::cout << ", " << p.width << "x" << p.height;
      if (p.adaptive) std::cout << ", adaptive";
      std::cout << "  (" << p.label << ")\n";
    }
    for (const auto& problem : catalog.problems) std::cout << "not loaded: " << problem << "\n";
    if (model) std::cout << "proposed for " << *model << ": " << (proposed ? proposed->name : "none") << "\n";
  }
  return catalog.problems.empty() ? 0 : 1;
}
RegisterCommand reg{{"presets", "list the model presets (--json; --model FILE: the one proposed for it)", run_presets,
                     {"--json"}}};
}  // namespace
}  // namespace ripen::cli
