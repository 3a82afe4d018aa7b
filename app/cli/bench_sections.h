#pragma once
// `ripen-cli bench` is a list of sections, each measuring one thing per precision and returning a JSON object
// that goes into the report under the section's name. Sections register themselves from their own files
// (cli/bench_*.cpp), so new measurements (end-to-end generation, ...) touch no shared file:
//   static RegisterBenchSection reg{"vae_decode", 20, [](const BenchSettings& s, const BenchPrecision& p) { ... }};
#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ripen::cli {

struct BenchSettings {
  std::string arch;          // sd15 | sd21 | sdxl
  int64_t width = 512, height = 512;  // image pixels
  int64_t batch = 2;         // CFG batch
  int iters = 1;
  bool warmup = false;
  bool random_weights = true;
  at::Device device = at::kCPU;
  uint64_t seed = 0;
};

struct BenchPrecision {
  std::string name;      // "fp32" | "bf16" | "fp16"
  at::ScalarType dtype;
};

// Returns the section's JSON object for one precision. Data shared between precisions (e.g. the fp32 output, to
// report the error of bf16 against it) goes into `shared`, which lives for the whole bench run.
using BenchSectionFn =
    std::function<nlohmann::json(const BenchSettings&, const BenchPrecision&, std::map<std::string, at::Tensor>& shared)>;

struct BenchSection {
  std::string name;
  int order = 0;  // sections run in ascending order
  BenchSectionFn run;
  bool on_request_only = false;  // runs only when named in --sections
};

std::vector<BenchSection>& bench_sections();
struct RegisterBenchSection {
  RegisterBenchSection(std::string name, int order, BenchSectionFn fn, bool on_request_only = false);
};

// "a,b,,c" -> {"a", "b", "c"}
std::vector<std::string> split_list(const std::string& s, char sep = ',');
// "fp32" | "bf16" | "fp16"; UsageError otherwise.
BenchPrecision parse_bench_precision(const std::string& p);

class Args;
// `ripen-cli bench --model PATH|embedded ...` (cli/bench_model.cpp).
int run_model_bench(Args& args, const std::string& model);

// Peak resident memory (VmHWM) in MiB since the last reset_peak_rss() (or process start).
double peak_rss_mib();
// Resets the kernel's peak-RSS counter for this process (Linux >= 4.0); false when not possible.
bool reset_peak_rss();

}  // namespace ripen::cli
