// bench section "unet": seconds per UNet evaluation at the CFG batch, and bf16/fp16 output error against fp32.
#include <algorithm>

#include "cli/bench_sections.h"
#include "bench/unet_bench.h"

namespace ripen::cli {
namespace {

nlohmann::json run_unet(const BenchSettings& s, const BenchPrecision& p, std::map<std::string, at::Tensor>& shared) {
  UNetBenchOptions o;
  o.batch = s.batch;
  o.width = s.width;
  o.height = s.height;
  o.dtype = p.dtype;
  o.device = s.device;
  o.iters = s.iters;
  o.warmup = s.warmup;
  o.seed = s.seed;
  UNetBenchResult r = bench_unet(UNetConfig::preset(s.arch), o);
  nlohmann::json j;
  j["seconds_per_eval"] = *std::min_element(r.seconds.begin(), r.seconds.end());
  shared["unet.seconds_per_eval." + p.name] = at::scalar_tensor(j["seconds_per_eval"].get<double>(), at::kDouble);
  j["seconds_all"] = r.seconds;
  j["cpu_seconds_all"] = r.cpu_seconds;
  j["build_seconds"] = r.build_seconds;
  j["parameters"] = r.parameters;
  if (p.dtype == at::kFloat) {
    shared["unet.fp32_output"] = r.output;
  } else if (shared.count("unet.fp32_output")) {
    const at::Tensor ref = shared["unet.fp32_output"].to(at::kDouble), out = r.output.to(at::kDouble);
    j["max_abs_diff_vs_fp32"] = (out - ref).abs().max().item<double>();
    j["max_abs_fp32"] = ref.abs().max().item<double>();
    j["rel_l2_vs_fp32"] = ((out - ref).norm() / ref.norm()).item<double>();
  }
  j["output_finite"] = r.output.isfinite().all().item<bool>();
  return j;
}

RegisterBenchSection reg{"unet", 10, run_unet};

}  // namespace
}  // namespace ripen::cli
