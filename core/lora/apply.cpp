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
  double factor;
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
      job.parts.push_back({&m, mult * m.scale()});
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
    for (size_t i; (i = next++) < todo.size();) {
      Job& j = *todo[i];
      const MergeState::Original& o = state.originals.at(j.id);
      const at::Tensor w0 = o.value();
      at::Tensor acc = o.file_view && w0.scalar_type() == at::kFloat ? w0.contiguous()
                                                                     : w0.to(at::kFloat, false, true).contiguous();
      const std::string target = j.component + ": " + j.key;
      for (const auto& c : j.parts) add_delta(acc, *c.module, c.factor, target);
      j.merged = w0.scalar_type() == at::kFloat ? acc : acc.to(w0.scalar_type());
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
