// ripen-cli promote: ripen a fast result into a quality final (continue | rerender | polish), from a library row
// (--library L --id N) or from files written by `generate --json --save-latents`.
#include <csignal>
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "cli/generate_output.h"
#include "pipeline/promote.h"
#include "tensors/error.h"
#include "tensors/json_file.h"

namespace ripen::cli {
namespace {
std::atomic<bool> g_cancel{false};
void on_sigint(int) { g_cancel = true; }

PromoteMode mode_flag(Args& args) {
  const std::string name = args.require("--mode");
  PromoteMode mode = PromoteMode::None;
  try {
    mode = promote_mode_from_string(name);
  } catch (const Error&) {
  }
  if (mode == PromoteMode::None) throw UsageError{"--mode must be continue, rerender or polish, got '" + name + "'"};
  return mode;
}

// The parent from --from RESULT.json (which may name its latents file) or --latents FILE.
PromoteSource source_from_files(std::optional<std::string> from, std::optional<std::string> latents, PromoteMode mode) {
  if (!from) return load_promote_source(*latents);
  nlohmann::json j;
  try {
    j = read_json_file(*from);
  } catch (const Error& e) {
    throw UsageError{std::string("--from: ") + e.what()};
  }
  if (j.contains("latents_file") && !latents) latents = j["latents_file"].get<std::string>();
  if (latents) return load_promote_source(*latents);
  if (mode != PromoteMode::Rerender)
    throw UsageError{"--from: " + *from + " names no latents file (generate with --save-latents), needed for " +
                     to_string(mode)};
  PromoteSource src;
  try {
    src.request = GenerationRequest::from_json(j.at("request"));
  } catch (const std::exception& e) {
    throw UsageError{"--from: " + *from + ": bad 'request': " + e.what()};
  }
  return src;
}

// What the child may change: a moved model file, the polish σ/strength, the hires pass.
session::PromoteSettings promote_settings(Args& args, PromoteMode mode) {
  session::PromoteSettings p;
  p.mode = mode;
  if (auto m = args.get("--model")) p.model = *m;
  p.polish_sigma = args.get_double("--polish-sigma", 0);
  if (p.polish_sigma < 0) throw UsageError{"--polish-sigma must be > 0"};
  const double strength = args.get_double("--polish-strength", -1);
  if (strength != -1) {
    if (!(strength > 0 && strength <= 1)) throw UsageError{"--polish-strength must be in (0, 1]"};
    p.polish_strength = strength;
  }
  if (args.flag("--hires")) p.hires = true;
  return p;
}

int run_promote(Args& args) {
  auto from = args.get("--from");
  auto latents = args.get("--latents");
  auto id = args.get("--id");
  if (!from && !latents && !id)
    throw UsageError{"give --library L --id N, --from RESULT.json (from generate --json --save-latents) or --latents FILE"};
  const PromoteMode mode = mode_flag(args);
  session::Job job;
  job.promote = promote_settings(args, mode);
  OutputFlags out = output_flags(args);
  PipelineOptions po = pipeline_flags(args);
  args.finish();
  if (id) {
    if (out.library.empty()) throw UsageError{"--id needs --library L (the library that holds generation " + *id + ")"};
    try {
      size_t used = 0;
      job.parent = std::stoll(*id, &used);
      if (used != id->size()) throw std::invalid_argument("junk");
    } catch (const std::exception&) {
      throw UsageError{"--id needs a library id (an integer), got '" + *id + "'"};
    }
  } else {
    job.source = source_from_files(from, latents, mode);
  }
  if (out.out.empty() && !out.json && out.save_latents.empty() && out.library.empty())
    throw UsageError{"nothing to write: give --out FILE.png, --json, --save-latents or --library"};
  session::GenerationSession session(po, library_store(out.library));
  std::signal(SIGINT, on_sigint);
  session::JobOutcome o = session.run(job, progress_sink(!out.quiet), g_cancel);
  std::signal(SIGINT, SIG_DFL);
  return finish_result(o, out);
}

RegisterCommand reg{{"promote", "ripen a fast result into a quality final (--mode continue|rerender|polish)", run_promote,
                     {"--json", "--hires", "--quiet"}}};
}  // namespace
}  // namespace ripen::cli
