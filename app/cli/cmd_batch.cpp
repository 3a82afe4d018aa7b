// ripen-cli batch: a plan's jobs (or prompts × seeds × presets) for one shard of a render farm, into the shard's
// own library; resumable, with a progress line and a JSON summary. See core/farm/ and packaging/farm/.
#ifdef RIPEN_HAVE_FARM
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/command.h"
#include "cli/generate_output.h"
#include "cli/request_flags.h"
#include "farm/batch_runner.h"
#include "farm/plan.h"
#include "farm/shard.h"
#include "tensors/error.h"

namespace ripen::cli {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

std::atomic<bool> g_cancel{false};
void on_signal(int) { g_cancel = true; }

uint64_t parse_seed(const std::string& v, const std::string& spec) {
  try {
    size_t used = 0;
    if (!v.empty() && v[0] != '-') {
      uint64_t s = std::stoull(v, &used);
      if (used == v.size()) return s;
    }
  } catch (const std::exception&) {
  }
  throw UsageError{"--seeds needs A-B or N (non-negative integers), got '" + spec + "'"};
}

std::pair<uint64_t, uint64_t> parse_seeds(const std::string& spec) {
  const auto dash = spec.find('-', 1);
  if (dash == std::string::npos) {
    uint64_t s = parse_seed(spec, spec);
    return {s, s};
  }
  return {parse_seed(spec.substr(0, dash), spec), parse_seed(spec.substr(dash + 1), spec)};
}

std::vector<std::string> split_commas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::stringstream ss(v);
    for (std::string item; std::getline(ss, item, ',');)
      if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string clock(double seconds) {
  const long s = long(seconds + 0.5);
  char b[32];
  std::snprintf(b, sizeof b, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return b;
}

// One line per job in a log (Slurm, kubectl logs); a bar redrawn in place on a terminal.
std::function<void(const farm::BatchProgress&)> progress_line(bool enabled, int done_before, int shard_jobs) {
  if (!enabled) return {};
  const bool tty = isatty(STDERR_FILENO);
  return [=](const farm::BatchProgress& p) {
    const double per_job = p.seconds / p.finished;
    const double eta = per_job * (p.total - p.finished);
    const int width = 30, done = done_before + p.finished;
    std::string bar(size_t(width * done / std::max(shard_jobs, 1)), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "%s[%s] %d/%d jobs  %.1f jobs/min  elapsed %s  ETA %s  %s%s%s", tty ? "\r" : "", bar.c_str(),
                 done, shard_jobs, 60.0 / per_job, clock(p.seconds).c_str(), clock(eta).c_str(),
                 p.job ? p.job->id.c_str() : "", p.ok ? "" : " FAILED", tty ? " " : "\n");
    if (tty && p.finished == p.total) std::fputc('\n', stderr);
    std::fflush(stderr);
  };
}

int run_batch(Args& args) {
  if (args.flag("--help")) {
    std::cerr << "usage: ripen-cli batch (--plan PLAN.json | --prompt TEXT... --seeds A-B [--preset NAME[,NAME]...]\n"
                 "                        [request flags]) --library DIR [--shard I/N | --shard-count N] [--model M]\n"
                 "  --plan PLAN.json      jobs: {\"request\": {...}} or {\"promote\": {\"library\", \"id\", \"mode\"}}\n"
                 "  --prompt, --seeds, --preset  the plan prompts x seeds x presets (repeat --prompt / --preset)\n"
                 "  --library DIR         this shard's own library (give every shard its own folder)\n"
                 "  --shard I/N           run jobs i with i mod N == I; else SLURM_ARRAY_TASK_ID/_COUNT/_MIN,\n"
                 "                        else JOB_COMPLETION_INDEX with --shard-count N or RIPEN_SHARD_COUNT\n"
                 "  --model M             (with --plan) every job's model, where this node keeps it\n"
                 "  --write-plan FILE     write the plan and stop (nothing is rendered)\n"
                 "  --quiet               no progress on stderr\n"
              << request_flags_help() << output_flags_help();
    return 0;
  }
  const auto plan_file = args.get("--plan");
  const std::vector<std::string> prompts = args.get_all("--prompt");
  const auto seeds = args.get("--seeds");
  const std::vector<std::string> presets = split_commas(args.get_all("--preset"));
  const auto write_to = args.get("--write-plan");
  const auto library = args.get("--library");
  const auto shard_flag = args.get("--shard");
  std::optional<int> shard_count;
  if (auto c = args.get("--shard-count")) shard_count = std::atoi(c->c_str());
  const bool quiet = args.flag("--quiet");

  farm::Plan plan;
  std::string origin = "batch";
  std::optional<std::string> model_override;
  if (plan_file) {
    if (!prompts.empty() || seeds || !presets.empty())
      throw UsageError{"--plan and --prompt/--seeds/--preset exclude each other"};
    model_override = args.get("--model");
  }
  farm::BatchOptions options;
  options.pipeline = pipeline_flags(args);
  if (plan_file) {
    args.finish();
    plan = farm::read_plan(*plan_file);
    origin = *plan_file;
  } else {
    if (prompts.empty() || !seeds) throw UsageError{"give --plan PLAN.json, or --prompt TEXT and --seeds A-B"};
    GenerationRequest native;
    native.width = native.height = 0;  // without --size: the model's own size
    GenerationRequest base = request_from_flags(args, native);
    args.finish();
    const auto [first, last] = parse_seeds(*seeds);
    std::vector<std::string> names = presets;
    if (names.empty()) names.push_back(to_string(base.preset));
    try {
      plan = farm::grid_plan(prompts, first, last, names, base);
    } catch (const Error& e) {
      throw UsageError{e.what()};
    }
  }
  options.model = model_override;
  farm::check_plan(plan, origin, model_override);  // before any work: unknown models, missing parents
  if (write_to) {
    farm::write_plan(plan, *write_to);
    std::cout << json{{"plan", *write_to}, {"jobs", plan.jobs.size()}}.dump(2) << "\n";
    return 0;
  }
  if (!library) throw UsageError{"--library DIR is missing (this shard's own library folder)"};
  const farm::Shard shard = farm::resolve_shard(shard_flag, shard_count, [](const char* n) { return std::getenv(n); });

  size_t mine = 0;
  for (size_t i = 0; i < plan.jobs.size(); ++i) mine += shard.has(i);
  if (!quiet)
    std::cerr << "shard " << shard.to_string() << " (" << shard.source << "): " << mine << " of " << plan.jobs.size()
              << " jobs into " << *library << "\n";
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);  // Slurm and Kubernetes stop a task with SIGTERM: finish the step, store nothing
  const farm::BatchSummary s = farm::run_batch(
      plan, shard, *library, options,
      [&](const farm::BatchProgress& p) {  // the jobs done before this run are those it was not given
        if (auto line = progress_line(!quiet, int(mine) - p.total, int(mine))) line(p);
      },
      g_cancel);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  json failures = json::array();
  for (const auto& f : s.failures) {
    failures.push_back({{"job_id", f.job_id}, {"error", f.error}});
    std::cerr << "job " << f.job_id << " failed: " << f.error << "\n";
  }
  std::cout << json{{"shard", {{"index", shard.index}, {"count", shard.count}, {"source", shard.source}}},
                    {"library", *library},
                    {"plan_jobs", s.plan_jobs},
                    {"shard_jobs", s.shard_jobs},
                    {"done_before", s.done_before},
                    {"rendered", s.rendered},
                    {"failed", s.failures.size()},
                    {"failures", failures},
                    {"library_ids", s.ids},
                    {"seconds", s.seconds},
                    {"jobs_per_minute", s.jobs_per_minute()},
                    {"cancelled", s.cancelled}}
                   .dump(2)
            << "\n";
  if (s.cancelled) return 130;
  return s.failures.empty() ? 0 : 1;
}

RegisterCommand reg{{"batch", "run a plan's jobs (or prompts x seeds x presets) for one render-farm shard", run_batch,
                     {"--quiet", "--help", "--hires"}}};
}  // namespace
}  // namespace ripen::cli
#endif
