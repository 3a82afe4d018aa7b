// ripen-cli bench: speed and memory of the networks (and whatever other sections register), as JSON.
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "tensors/cpu_threads.h"
#include "cli/bench_sections.h"
#include "cli/command.h"

namespace ripen::cli {

std::vector<BenchSection>& bench_sections() {
  static std::vector<BenchSection> sections;
  return sections;
}

RegisterBenchSection::RegisterBenchSection(std::string name, int order, BenchSectionFn fn, bool on_request_only) {
  bench_sections().push_back({std::move(name), order, std::move(fn), on_request_only});
}

double peak_rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  return -1;
}

bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  return static_cast<bool>(out.flush());
}

std::vector<std::string> split_list(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

BenchPrecision parse_bench_precision(const std::string& p) {
  if (p == "fp32") return {p, at::kFloat};
  if (p == "bf16") return {p, at::kBFloat16};
  if (p == "fp16") return {p, at::kHalf};
  throw UsageError{"unknown precision '" + p + "' (fp32, bf16, fp16)"};
}

namespace {

int run_bench(Args& args) {
  if (auto model = args.get("--model")) return run_model_bench(args, *model);
  BenchSettings s;
  s.arch = args.get_or("--arch", "sd15");
  if (s.arch != "sd15" && s.arch != "sd21" && s.arch != "sdxl")
    throw UsageError{"--arch must be sd15, sd21 or sdxl (got '" + s.arch + "')"};
  s.random_weights = args.flag("--random-weights");
  if (!s.random_weights) throw UsageError{"bench needs --random-weights or --model PATH|embedded"};
  const int64_t default_side = s.arch == "sdxl" ? 1024 : s.arch == "sd21" ? 768 : 512;
  const std::string size = args.get_or("--size", std::to_string(default_side) + "x" + std::to_string(default_side));
  if (std::sscanf(size.c_str(), "%ldx%ld", &s.width, &s.height) != 2 || s.width < 8 || s.height < 8)
    throw UsageError{"--size must be WxH in pixels (got '" + size + "')"};
  s.iters = args.get_int("--iters", 1);
  if (s.iters < 1) throw UsageError{"--iters must be >= 1"};
  s.batch = args.get_int("--batch", 2);
  if (s.batch < 1) throw UsageError{"--batch must be >= 1"};
  s.warmup = args.flag("--warmup");
  s.seed = static_cast<uint64_t>(args.get_int("--seed", 0));
  const std::string device = args.get_or("--device", "cpu");
  try {
    s.device = at::Device(device);
  } catch (const std::exception&) {
    throw UsageError{"unknown --device '" + device + "'"};
  }
  std::vector<BenchPrecision> precisions;
  for (const auto& p : split_list(args.get_or("--precision", s.device.is_cpu() ? "fp32,bf16" : "fp16,bf16"), ','))
    precisions.push_back(parse_bench_precision(p));
  if (precisions.empty()) throw UsageError{"--precision lists no precision"};
  const int threads = args.get_int("--threads", 0);
  if (threads > 0) configure_cpu_threads(threads);
  std::vector<std::string> wanted = split_list(args.get_or("--sections", ""), ',');
  const bool json_only = args.flag("--json");
  args.finish();

  auto sections = bench_sections();
  std::stable_sort(sections.begin(), sections.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  for (const auto& w : wanted) {
    if (std::none_of(sections.begin(), sections.end(), [&](const auto& x) { return x.name == w; })) {
      std::string names;
      for (const auto& x : sections) names += (names.empty() ? "" : ", ") + x.name;
      throw UsageError{"unknown bench section '" + w + "' (available: " + names + ")"};
    }
  }

  nlohmann::json report;
  report["arch"] = s.arch;
  report["width"] = s.width;
  report["height"] = s.height;
  report["batch"] = s.batch;
  report["iters"] = s.iters;
  report["device"] = s.device.str();
  report["threads"] = at::get_num_threads();
  report["libtorch"] = TORCH_VERSION;
  report["weights"] = "random";
  report["results"] = nlohmann::json::array();
  std::map<std::string, at::Tensor> shared;
  for (const auto& p : precisions) {
    nlohmann::json entry;
    entry["precision"] = p.name;
    const bool resettable = reset_peak_rss();
    for (const auto& section : sections) {
      if (wanted.empty() ? section.on_request_only
                         : std::find(wanted.begin(), wanted.end(), section.name) == wanted.end())
        continue;
      if (!json_only) std::cerr << "bench: " << section.name << " " << p.name << " ..." << std::endl;
      reset_peak_rss();
      nlohmann::json r = section.run(s, p, shared);
      if (!r.contains("peak_rss_mib")) r["peak_rss_mib"] = peak_rss_mib();
      if (!json_only) std::cerr << "bench: " << section.name << " " << p.name << ": " << r.dump() << std::endl;
      entry[section.name] = std::move(r);
    }
    // Sections reset the counter, so the whole precision's peak is the largest section peak.
    double peak = 0;
    for (const auto& [k, v] : entry.items())
      if (v.is_object() && v.contains("peak_rss_mib")) peak = std::max(peak, v["peak_rss_mib"].get<double>());
    entry["peak_rss_mib"] = peak;
    entry["peak_rss_is_per_precision"] = resettable;
    report["results"].push_back(std::move(entry));
  }
  std::cout << report.dump(json_only ? -1 : 2) << std::endl;
  return 0;
}

RegisterCommand reg{{"bench",
                     "speed and peak memory of the networks with random full-size weights, as JSON "
                     "(--arch sd15|sd21|sdxl --random-weights [--precision fp32,bf16] [--size WxH] [--iters N] "
                     "[--warmup] [--sections unet,vae_decode] [--threads N] [--device cpu|cuda] [--json]); "
                     "or seconds per image of each preset end to end on a model at its native size, median of "
                     "--count prompt x seed runs after a warm-up (--model PATH|embedded [--count 8] "
                     "[--presets fast,quality,lightning; draft too when the model has a distilled student] "
                     "[--student DIR] [--precision fp32,bf16] [--prompt TEXT]... [--seed S] "
                     "[--size WxH] [--threads N] [--json])",
                     run_bench,
                     {"--random-weights", "--json", "--warmup"}}};

}  // namespace
}  // namespace ripen::cli
