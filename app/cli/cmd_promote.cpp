// ripen-cli promote: ripen a fast result into a quality final (continue | rerender | refine).
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/command.h"
#include "cli/generate_output.h"
#include "cli/request_flags.h"
#include "pipeline/promote.h"
#include "tensors/error.h"

namespace ripen::cli {
namespace {
std::atomic<bool> g_cancel{false};
void on_sigint(int) { g_cancel = true; }

int run_promote(Args& args) {
  auto from = args.get("--from");
  auto latents = args.get("--latents");
  if (!from && !latents) throw UsageError{"give --from RESULT.json (from generate --json --save-latents) or --latents FILE"};
  std::string mode_name = args.require("--mode");
  PromoteMode mode;
  try {
    mode = promote_mode_from_string(mode_name);
  } catch (const Error&) {
    throw UsageError{"--mode must be continue, rerender or refine, got '" + mode_name + "'"};
  }
  if (mode == PromoteMode::None) throw UsageError{"--mode must be continue, rerender or refine"};
  PromoteSource src;
  if (from) {
    std::ifstream f(*from);
    if (!f) throw UsageError{"--from: cannot read '" + *from + "'"};
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(f);
    } catch (const std::exception& e) {
      throw UsageError{"--from: " + *from + " is not JSON: " + e.what()};
    }
    if (j.contains("latents_file") && !latents) latents = j["latents_file"].get<std::string>();
    if (latents) {
      src = load_promote_source(*latents);
    } else if (mode == PromoteMode::Rerender) {
      src.request = GenerationRequest::from_json(j.at("request"));
    } else {
      throw UsageError{"--from: " + *from + " names no latents file (generate with --save-latents), needed for " + mode_name};
    }
  } else {
    src = load_promote_source(*latents);
  }
  // Flags may change what the child does (e.g. --refine-sigma, --model for a moved file).
  GenerationRequest base = src.request;
  base.preset = Preset::Quality;
  GenerationRequest over = request_from_flags(args, base);
  src.request.model = over.model;
  src.request.refine_sigma = over.refine_sigma;
  src.request.refine_strength = over.refine_strength;
  src.request.refine_2x = over.refine_2x;
  OutputFlags out = output_flags(args);
  PipelineOptions po = pipeline_flags(args);
  args.finish();
  if (out.out.empty() && !out.json && out.save_latents.empty() && out.library.empty())
    throw UsageError{"nothing to write: give --out FILE.png, --json, --save-latents or --library"};
  std::signal(SIGINT, on_sigint);
  Pipeline pipeline(po);
  GenerationResult r = promote(pipeline, src, mode, progress_sink(!out.quiet), g_cancel);
  std::signal(SIGINT, SIG_DFL);
  return finish_result(r, out);
}

RegisterCommand reg{{"promote", "ripen a fast result into a quality final (--mode continue|rerender|refine)", run_promote,
                     {"--json", "--refine-2x", "--quiet"}}};
}  // namespace
}  // namespace ripen::cli
