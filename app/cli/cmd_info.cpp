// ripen-cli info MODEL [--json] [--config DIR] [--prediction eps|v] [--hash] [--unet FILE|DIR] [--vae FILE]:
// architecture, layout, prediction type (and what decided it), components with parameter counts and stored dtypes;
// reads no weights. A model whose weights do not fit its configs is refused (models/validate.h), as `generate`
// would refuse it. `info FILE` on a lone UNet or VAE file (models/unet_file.h) describes that file.
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "lora/network_info.h"
#include "models/detect.h"
#include "models/model_hash.h"
#include "models/unet_file.h"
#include "tensors/error.h"

namespace ripen::cli {
namespace {

std::string human(int64_t n) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1);
  if (n >= 1000000000) s << n / 1e9 << " G";
  else if (n >= 1000000) s << n / 1e6 << " M";
  else if (n >= 1000) s << n / 1e3 << " k";
  else s << n << " ";
  return s.str();
}

// A lone UNet or VAE file: what it holds and how its keys are named.
int print_component_file(const models::ComponentFileInfo& f, bool as_json, bool hash) {
  auto j = f.to_json();
  if (hash && !std::filesystem::is_directory(f.path)) {
    const auto h = models::model_hash(f.path);
    j["short_hash"] = h.short_hash;
    j["sha256"] = h.sha256;
  }
  if (as_json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::string dtypes;
  for (const auto& [dt, n] : f.weights.dtypes) dtypes += (dtypes.empty() ? "" : ", ") + dt + " x" + std::to_string(n);
  std::cout << f.path << "\n"
            << "  holds:        " << f.component << " only (combine it with a model: --model MODEL --" << f.component << " FILE)\n"
            << "  key layout:   " << f.layout << "\n";
  if (!f.arch.empty()) std::cout << "  architecture: " << f.arch << "\n";
  std::cout << "  parameters:   " << human(f.weights.parameters) << "params  " << f.weights.tensors << " tensors (" << dtypes << ")\n";
  if (j.contains("short_hash")) std::cout << "  file hash:    " << j["short_hash"].get<std::string>() << "\n";
  if (!f.config.is_null()) {
    for (const char* k : {"block_out_channels", "cross_attention_dim", "transformer_layers_per_block",
                          "projection_class_embeddings_input_dim", "latent_channels"})
      if (f.config.contains(k) && !f.config[k].is_null())
        std::cout << "  " << k << ": " << f.config[k].dump() << "\n";
  }
  if (!f.config_note.empty()) std::cout << "  config:       " << f.config_note << "\n";
  return 0;
}

// A LoRA / LyCORIS file: format, architecture, ranks, module counts, metadata (long values cut in the text form).
int print_network(const std::string& path, bool as_json) {
  const auto j = lora::describe_network(path);
  if (as_json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  auto counts = [](const nlohmann::json& o) {
    std::string s;
    for (const auto& [k, v] : o.items()) s += (s.empty() ? "" : ", ") + k + " " + std::to_string(v.get<int64_t>());
    return s;
  };
  std::cout << path << "\n  network:      " << j["format"].get<std::string>() << " (" << counts(j["kinds"]) << ")\n"
            << "  architecture: " << j["architecture"].get<std::string>() << " (from "
            << j["architecture_source"].get<std::string>() << ")\n"
            << "  modules:      " << j["modules"].get<int64_t>() << " (" << counts(j["components"]) << ")\n"
            << "  ranks:        " << counts(j["ranks"]) << "\n  alphas:       " << j["alphas"].dump();
  if (j["modules_without_alpha"].get<int64_t>() > 0)
    std::cout << " (" << j["modules_without_alpha"].get<int64_t>() << " modules without alpha: scale 1)";
  std::cout << "\n";
  for (const auto& [k, v] : j["metadata"].items()) {
    std::string s = v.get<std::string>();
    if (s.size() > 160) s = s.substr(0, 160) + "… (" + std::to_string(s.size()) + " characters)";
    std::cout << "  " << k << ": " << s << "\n";
  }
  return 0;
}

int run_info(Args& args) {
  bool as_json = args.flag("--json");
  bool hash = args.flag("--hash");
  models::LoadOptions opts;
  opts.config_dir = args.get_or("--config", "");
  opts.unet_path = args.get_or("--unet", "");
  opts.vae_path = args.get_or("--vae", "");
  if (auto p = args.get("--prediction")) {
    try {
      opts.prediction = models::parse_prediction(*p);
    } catch (const ripen::Error& e) {
      throw UsageError{e.what()};
    }
  }
  args.finish();
  if (args.positional().size() != 1) throw UsageError{"usage: ripen-cli info MODEL [--json] [--hash] [--config DIR] [--prediction eps|v] [--unet FILE|DIR] [--vae FILE]"};
  const std::string path = args.positional()[0];
  if (opts.unet_path.empty() && opts.vae_path.empty() && lora::looks_like_network(path))
    return print_network(path, as_json);
  if (opts.unet_path.empty() && opts.vae_path.empty())
    if (auto file = models::inspect_component_file(path)) return print_component_file(*file, as_json, hash);
  auto info = models::inspect_model(path, opts);
  auto j = info.to_json();
  if (hash) {
    const auto h = models::model_hash(path);
    j["short_hash"] = h.short_hash;
    j["sha256"] = h.sha256;
  }
  if (as_json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  const auto& d = info.detection;
  std::cout << info.name << "\n"
            << "  path:         " << d.path << "\n"
            << "  layout:       " << j["layout"].get<std::string>() << "\n"
            << "  architecture: " << models::arch_name(d.arch) << "\n"
            << "  prediction:   " << models::prediction_name(d.prediction) << " (" << d.prediction_source << ")\n";
  if (d.yaml) std::cout << "  config yaml:  " << *d.yaml << "\n";
  if (hash) std::cout << "  model hash:   " << j["short_hash"].get<std::string>() << " (sha256 " << j["sha256"].get<std::string>() << ")\n";
  std::cout << "  schedule:     " << info.scheduler.beta_schedule << " " << info.scheduler.beta_start << ".." << info.scheduler.beta_end
            << ", " << info.scheduler.num_train_timesteps << " steps\n  components:\n";
  int64_t total = 0;
  for (const auto& c : info.components) {
    std::cout << "    " << std::left << std::setw(15) << c.name;
    if (c.tensors) {
      std::string dtypes;
      for (const auto& [dt, n] : c.dtypes) dtypes += (dtypes.empty() ? "" : ", ") + dt + " x" + std::to_string(n);
      std::cout << std::right << std::setw(9) << human(c.parameters) << "params  " << c.tensors << " tensors (" << dtypes << ")";
      total += c.parameters;
    } else {
      std::cout << c.source;
    }
    std::cout << "\n";
  }
  std::cout << "  total:        " << human(total) << "params\n";
  for (const auto& [name, file] : info.component_files) std::cout << "  own " << name << " file: " << file << "\n";
  if (!info.ignored_keys.empty()) std::cout << "  ignored keys: " << info.ignored_keys.size() << " (EMA, schedule buffers, position ids, ...)\n";
  return 0;
}

RegisterCommand reg{{"info", "describe a model (architecture, components, parameter counts, dtypes); --json", run_info, {"--json", "--hash"}}};

}  // namespace
}  // namespace ripen::cli
