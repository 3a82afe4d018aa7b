// bench section "lora_merge" (on request: --sections lora_merge): merging and unmerging a rank-32 kohya LoRA/LoCon on
// every attention projection, feed-forward, proj_in/out and resnet conv of a full-size random-weight UNet
// (--arch), and the memory it takes. The UNet is written to a temporary safetensors file in the bench precision and
// loaded from it zero-copy, as a model file of that dtype is, with every weight touched first (a model that has run).
//   merge_seconds / remerge_seconds (another multiplier) / unmerge_seconds: lora::set_networks calls;
//   rss_*_mib: resident memory with the base weights, merged, unmerged; merge_extra_peak_mib: peak during the merge
//   above the base; kept_original_mib: originals held besides the merged weights (lora/apply.h).
#include <ATen/CPUGeneratorImpl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>

#include "cli/bench_sections.h"
#include "lora/apply.h"
#include "models/model.h"
#include "tensors/params.h"
#include "tensors/safetensors.h"

namespace ripen::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return -1;
}

std::string underscored(std::string s) {
  for (char& c : s)
    if (c == '.') c = '_';
  return s;
}

// kohya names (diffusers paths) for every targeted weight: down ~ N(0, 1/fan_in), up small; alpha = rank / 2.
std::map<std::string, at::Tensor> random_lora(const std::map<std::string, at::Tensor>& unet, int64_t rank,
                                              at::ScalarType dtype) {
  static const std::regex target(
      R"(.*(attn[12]\.(to_q|to_k|to_v|to_out\.0)|ff\.net\.(0\.proj|2)|proj_in|proj_out|resnets\.\d+\.conv[12])\.weight)");
  std::map<std::string, at::Tensor> out;
  auto gen = at::detail::createCPUGenerator(5);
  for (const auto& [key, w] : unet) {
    if (!std::regex_match(key, target)) continue;
    const std::string name = "lora_unet_" + underscored(key.substr(0, key.size() - 7));
    std::vector<int64_t> down{rank}, up{w.size(0), rank};
    for (int64_t d = 1; d < w.dim(); ++d) down.push_back(w.size(d));
    if (w.dim() == 4) up.insert(up.end(), {1, 1});
    const double fan_in = double(w.numel() / w.size(0));
    out[name + ".lora_down.weight"] = (at::randn(down, gen) / std::sqrt(fan_in)).to(dtype);
    out[name + ".lora_up.weight"] = (at::randn(up, gen) * 0.01).to(dtype);
    out[name + ".alpha"] = at::scalar_tensor(double(rank) / 2);
  }
  return out;
}

nlohmann::json run_lora_merge(const BenchSettings& s, const BenchPrecision& p, std::map<std::string, at::Tensor>&) {
  const int64_t rank = 32;
  const UNetConfig cfg = UNetConfig::preset(s.arch);
  const fs::path dir = fs::temp_directory_path() / ("ripen-bench-lora-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string unet_file = (dir / "unet.safetensors").string(), lora_file = (dir / "lora.safetensors").string();
  struct Cleanup {
    fs::path d;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(d, ec);
    }
  } cleanup{dir};
  nlohmann::json j;
  {
    auto t = Clock::now();
    auto ps = ParamStore::random(s.seed + 1, at::TensorOptions().dtype(p.dtype));
    UNet2DCondition::bind(ps, cfg);
    auto weights = ps.param_map();
    save_safetensors(unet_file, weights);
    save_safetensors(lora_file, random_lora(weights, rank, at::kHalf), {{"ss_network_dim", "32"}});
    j["setup_seconds"] = since(t);
  }
  models::LoadedModel m;
  m.arch = s.arch == "sdxl" ? models::Arch::SDXL : s.arch == "sd21" ? models::Arch::SD2 : models::Arch::SD1;
  auto file = SafeTensors::open(unet_file);
  auto ps = ParamStore::from_tensors(file.load_all(), unet_file, at::TensorOptions().dtype(p.dtype));
  m.unet = UNet2DCondition::bind(ps, cfg);
  ps.finish();
  m.weights["unet"] = ps.param_map();
  m.configs["unet"] = cfg.to_json();
  double checksum = 0;
  for (const auto& [k, w] : m.weights["unet"]) checksum += w.to(at::kFloat).sum().item<double>();  // make them resident
  j["unet_parameters"] = [&] {
    int64_t n = 0;
    for (const auto& [k, w] : m.weights["unet"]) n += w.numel();
    return n;
  }();
  j["lora_file_mib"] = double(fs::file_size(lora_file)) / (1 << 20);
  j["rank"] = rank;
  const double rss_base = rss_mib();
  j["rss_base_mib"] = rss_base;

  NetworkRef net;
  net.name = "bench";
  net.path = lora_file;
  reset_peak_rss();
  auto t = Clock::now();
  lora::MergeReport r = lora::set_networks(m, {net});
  j["merge_seconds"] = since(t);
  j["merge_extra_peak_mib"] = peak_rss_mib() - rss_base;
  j["rss_merged_mib"] = rss_mib();
  j["modules"] = r.networks.at(0).applied;
  j["unmatched"] = r.networks.at(0).unmatched.size();
  j["patched_weights"] = r.patched_weights;
  j["merged_mib"] = double(r.merged_bytes) / (1 << 20);
  j["kept_original_mib"] = double(r.kept_bytes) / (1 << 20);
  net.te = net.unet = 0.5;
  t = Clock::now();
  lora::set_networks(m, {net});
  j["remerge_seconds"] = since(t);
  t = Clock::now();
  r = lora::set_networks(m, {});
  j["unmerge_seconds"] = since(t);
  j["rss_unmerged_mib"] = rss_mib();
  j["restored_weights"] = r.restored_weights;
  // Unmerged means the file's own bytes again.
  int64_t differ = 0;
  for (const auto& [k, w] : m.weights["unet"]) differ += !at::equal(w, file.tensor(k));
  j["weights_differing_from_file_after_unmerge"] = differ;
  j["base_checksum"] = checksum;
  return j;
}

RegisterBenchSection reg{"lora_merge", 60, run_lora_merge, /*on_request_only=*/true};

}  // namespace
}  // namespace ripen::cli
