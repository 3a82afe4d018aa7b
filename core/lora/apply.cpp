#include "lora/apply.h"

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <set>

#include "lora/delta.h"
#include "lora/network_file.h"
#include "lora/target_names.h"
#include "tensors/error.h"
#include "tensors/mapped_pages.h"

namespace ripen::lora {

// What models::LoadedModel::networks points at.
struct MergeState {
  struct CachedFile {
    std::shared_ptr<const NetworkFile> file;
    std::filesystem::file_time_type mtime;
    uintmax_t size = 0;
  };
  std::vector<NetworkRef> applied;
  std::map<std::string, CachedFile> files;       // by path: a multiplier change does not re-read the file
  std::optional<TargetNames> names;              // the model's own weight names, formed once
  // W₀ of each patched weight, "component\nkey" -> either the storage the weight had (`file_view` false), or,
  // for a weight converted at load, the file's tensor it was converted from: W₀ = file_view.to(dtype) again.
  struct Original {
    at::Tensor tensor;
    bool file_view = false;
    at::ScalarType dtype = at::kFloat;
    std::vector<int64_t> sizes;
    at::Tensor value() const { return file_view ? tensor.to(dtype).reshape(sizes) : tensor; }
  };
  std::map<std::string, Original> originals;
};

namespace {

using Clock = std::chrono::steady_clock;

bool same_networks(const std::vector<NetworkRef>& a, const std::vector<NetworkRef>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].path != b[i].path || a[i].te != b[i].te || a[i].unet != b[i].unet) return false;
  return true;
}

std::shared_ptr<const NetworkFile> network_file(MergeState& state, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto mtime = fs::last_write_time(path, ec);
  const auto size = ec ? 0 : fs::file_size(path, ec);
  if (ec) throw Error(path + ": cannot read the LoRA file (" + ec.message() + ")");
  auto it = state.files.find(path);
  if (it != state.files.end() && it->second.mtime == mtime && it->second.size == size) return it->second.file;
  return std::make_shared<const NetworkFile>(read_network_file(path));
}

at::Tensor alias_of(const at::Tensor& t) { return at::empty({0}, t.options()).set_(t); }

// Points the network's own tensor object at `src`'s storage (every holder of the tensor sees it). set_ is an
// in-place op, so it moves the version counter the memos check (nets/tensor_stamp.h).
void point_at(at::Tensor& weight, const at::Tensor& src) {
  if (weight.is_inference()) {
    c10::InferenceMode guard;
    weight.set_(src);
  } else {
    weight.set_(src);
  }
}

struct Contribution {
  const Module* module;
  double multiplier;  // the network's TE or UNet multiplier
};

struct Job {
  std::string id;  // "component\nkey"
  std::string component, key;
  std::vector<Contribution> parts;
  at::Tensor merged;
};

std::string list_some(const std::vector<std::string>& names, size_t n = 4) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < n; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > n) s += ", … (" + std::to_string(names.size() - n) + " more)";
  return s;
}

std::string arch_hint(const NetworkFile& f, const models::LoadedModel& model) {
  std::string s = " (model: " + models::arch_name(model.arch);
  for (const char* k : {"ss_base_model_version", "modelspec.architecture"})
    if (auto it = f.metadata.find(k); it != f.metadata.end()) s += std::string("; file's ") + k + ": " + it->second;
  return s + ")";
}

}  // namespace

std::string MergeReport::summary() const {
  std::string s;
  for (const auto& n : networks)
    if (!n.unmatched.empty())
      s += n.path + ": " + std::to_string(n.unmatched.size()) + " of " + std::to_string(n.modules) +
           " modules match no weight of this model: " + list_some(n.unmatched) + "\n";
  return s;
}

std::vector<NetworkRef> merged_networks(const models::LoadedModel& model) {
  return model.networks ? model.networks->applied : std::vector<NetworkRef>{};
}

namespace {

using Jobs = std::map<std::string, Job>;

// Reads and resolves every network, checking every shape: the weights' contributions. Changes nothing.
Jobs resolve(const models::LoadedModel& model, MergeState& state, const std::vector<NetworkRef>& networks,
             std::vector<std::shared_ptr<const NetworkFile>>& files, std::vector<NetworkReport>& reports) {
  Jobs jobs;
  for (const auto& n : networks) {
    files.push_back(network_file(state, n.path));
    const NetworkFile& f = *files.back();
    NetworkReport r{n.path, f.format, int64_t(f.modules.size())};
    for (const Module& m : f.modules) {
      const Target* t = state.names->find(m.name);
      if (!t) {
        const std::string c = component_of(m.name);
        if (!c.empty() && model.configs.count(c) && !model.weights.count(c))
          ++r.skipped;
        else
          r.unmatched.push_back(m.name);
        continue;
      }
      ++r.applied;
      const std::string id = t->component + "\n" + t->key;
      check_fits(m, model.weights.at(t->component).at(t->key).sizes(), t->component + ": " + t->key);
      const double mult = t->component == "unet" ? n.unet : n.te;
      if (mult == 0) continue;
      Job& job = jobs[id];
      job.id = id;
      job.component = t->component;
      job.key = t->key;
      job.parts.push_back({&m, mult});
    }
    const int64_t candidates = r.modules - r.skipped;
    if (candidates > 0 && 2 * r.applied < candidates)
      throw Error(n.path + ": a network for another model: only " + std::to_string(r.applied) + " of its " +
                  std::to_string(candidates) + " modules address weights of this model" + arch_hint(f, model) +
                  "; unmatched: " + list_some(r.unmatched));
    reports.push_back(std::move(r));
  }
  return jobs;
}

at::Tensor& weight_of(models::LoadedModel& model, const std::string& id) {
  const size_t nl = id.find('\n');
  return model.weights.at(id.substr(0, nl)).at(id.substr(nl + 1));
}

// About this many bytes of fp32 rows are merged at a time: W₀'s rows widened, every ΔW's rows added (one addmm per
// LoRA), then narrowed into W' — the block stays in cache, and no fp32 copy of a whole weight is ever allocated.
constexpr int64_t kBlockBytes = 1 << 20;

// W' = cast(W₀ in fp32 + Σ m · scale · ΔW) (DoRA: delta.h), made a block of rows at a time. An fp32 weight is merged in W' itself.
at::Tensor merge_one(const MergeState::Original& o, const Job& j, at::Tensor& scratch) {
  const std::string target = j.component + ": " + j.key;
  const int64_t out = o.sizes.at(0);
  at::Tensor w0 = o.tensor.reshape({out, -1});
  // A weight converted at load is W₀ = the file's values in the run dtype: the same rounding, row by row.
  auto w0_rows = [&](int64_t r0, int64_t n) {
    at::Tensor src = w0.narrow(0, r0, n);
    return o.file_view && src.scalar_type() != o.dtype ? src.to(o.dtype) : src;
  };
  const bool dora = std::any_of(j.parts.begin(), j.parts.end(), [](const Contribution& c) { return c.module->part("dora"); });
  const at::Tensor w0_f32 = dora ? w0_rows(0, out).to(at::kFloat) : at::Tensor();
  std::vector<RowDelta> deltas;
  for (const auto& c : j.parts) deltas.emplace_back(*c.module, o.sizes, target, c.module->scale(), w0_f32);
  at::Tensor merged = at::empty(o.sizes, at::TensorOptions().dtype(o.dtype));
  at::Tensor dst = merged.view({out, -1});
  const int64_t rest = dst.size(1);
  const int64_t block = std::min(std::max<int64_t>(kBlockBytes / (4 * std::max<int64_t>(rest, 1)), 16), std::max<int64_t>(out, 1));
  const bool in_place = o.dtype == at::kFloat;
  if (!in_place && (!scratch.defined() || scratch.numel() < block * rest)) scratch = at::empty({block * rest}, at::kFloat);
  for (int64_t r0 = 0; r0 < out; r0 += block) {
    const int64_t n = std::min(block, out - r0);
    at::Tensor rows = in_place ? dst.narrow(0, r0, n) : scratch.narrow(0, 0, n * rest).view({n, rest});
    rows.copy_(w0_rows(r0, n));
    for (size_t k = 0; k < deltas.size(); ++k) deltas[k].add_to(rows, r0, j.parts[k].multiplier);
    if (!in_place) dst.narrow(0, r0, n).copy_(rows);
  }
  return merged;
}

// Points every weight of `jobs` at its merge from W₀ (one weight per task, each committed as soon as it is made,
// so the peak is the model plus a weight per thread) and every other patched weight back at W₀.
void merge(models::LoadedModel& model, MergeState& state, Jobs& jobs, MergeReport& report) {
  std::vector<Job*> todo;
  for (auto& [id, job] : jobs) {
    todo.push_back(&job);
    if (state.originals.count(id)) continue;
    const at::Tensor& w = weight_of(model, id);
    MergeState::Original o{alias_of(w), false, w.scalar_type(), w.sizes().vec()};
    const size_t nl = id.find('\n');
    if (auto c = model.weight_sources.find(id.substr(0, nl)); !is_mapped_view(w) && c != model.weight_sources.end())
      if (auto src = c->second.find(id.substr(nl + 1)); src != c->second.end()) o.tensor = src->second, o.file_view = true;
    state.originals[id] = std::move(o);
  }
  // Largest first, each thread taking the next weight when it is done: weights differ 1000-fold in size.
  std::sort(todo.begin(), todo.end(), [&](const Job* a, const Job* b) {
    return weight_of(model, a->id).numel() > weight_of(model, b->id).numel();
  });
  std::atomic<size_t> next{0};
  at::parallel_for(0, at::get_num_threads(), 1, [&](int64_t, int64_t) {
    at::Tensor scratch;  // this thread's fp32 row block, reused for every weight
    for (size_t i; (i = next++) < todo.size();) {
      Job& j = *todo[i];
      const MergeState::Original& o = state.originals.at(j.id);
      j.merged = merge_one(o, j, scratch);
      point_at(weight_of(model, j.id), j.merged);
      release_mapped_pages(o.tensor);
    }
  });
  for (auto it = state.originals.begin(); it != state.originals.end();) {
    if (auto j = jobs.find(it->first); j != jobs.end()) {
      report.merged_bytes += int64_t(j->second.merged.nbytes());
      if (!is_mapped_view(it->second.tensor)) report.kept_bytes += int64_t(it->second.tensor.nbytes());
      j->second.merged = at::Tensor();
      ++it;
      continue;
    }
    point_at(weight_of(model, it->first), it->second.value());
    ++report.restored_weights;
    it = state.originals.erase(it);
  }
}

}  // namespace

MergeReport set_networks(models::LoadedModel& model, const std::vector<NetworkRef>& networks) {
  const auto t0 = Clock::now();
  MergeReport report;
  for (const auto& n : networks) {
    if (n.path.empty()) throw Error("LoRA '" + n.name + "': no file");
    if (!std::isfinite(n.te) || !std::isfinite(n.unet))
      throw Error("LoRA '" + n.name + "': multipliers must be finite numbers");
  }
  auto state = model.networks ? model.networks : std::make_shared<MergeState>();
  if (same_networks(state->applied, networks)) return report;
  if (!state->names) state->names = TargetNames::of(model);
  std::vector<std::shared_ptr<const NetworkFile>> files;
  Jobs jobs = resolve(model, *state, networks, files, report.networks);
  model.networks = state;
  try {
    merge(model, *state, jobs, report);
  } catch (const std::exception& e) {
    // Out of memory, most likely: back to the networks merged before (the same bits: a merge is a function of W₀
    // and the networks), or, failing that too, to the model's own weights.
    const std::string what = e.what();
    MergeReport ignored;
    try {
      std::vector<std::shared_ptr<const NetworkFile>> prev_files;
      std::vector<NetworkReport> prev_reports;
      Jobs prev = resolve(model, *state, state->applied, prev_files, prev_reports);
      merge(model, *state, prev, ignored);
    } catch (const std::exception&) {
      Jobs none;
      merge(model, *state, none, ignored);
      state->applied.clear();
      throw Error("merging the LoRA networks failed (" + what + "); the model is back to its own weights");
    }
    throw Error("merging the LoRA networks failed (" + what + "); the model keeps the networks it had");
  }
  state->applied = networks;
  std::map<std::string, MergeState::CachedFile> kept;
  for (size_t i = 0; i < networks.size(); ++i) {
    std::error_code ec;
    kept[networks[i].path] = {files[i], std::filesystem::last_write_time(networks[i].path, ec),
                              std::filesystem::file_size(networks[i].path, ec)};
  }
  state->files = std::move(kept);
  report.changed = true;
  report.patched_weights = int64_t(state->originals.size());
  report.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return report;
}

}  // namespace ripen::lora
