#include "farm/batch_runner.h"

#include <chrono>
#include <map>
#include <memory>

#include "imageio/file_util.h"
#include "library/library.h"
#include "library/library_store.h"
#include "session/generation_session.h"
#include "tensors/error.h"

namespace ripen::farm {
namespace fs = std::filesystem;
namespace {

// The shard's library as the session's store, marking each stored row with the job it completes.
class JobStore : public session::ResultStore {
 public:
  explicit JobStore(library::Library& lib) : lib_(lib) {}
  std::vector<int64_t> store(const std::vector<session::StoredImage>& images) override {
    std::vector<int64_t> ids;
    for (const auto& s : images) {
      if (!s.image) throw Error("batch: image " + std::to_string(s.batch_index) + " has no pixels");
      library::StoreOptions o;
      o.batch_index = s.batch_index;
      o.latents = s.latents;
      o.job_id = job_id;
      ids.push_back(lib_.store(s.request, s.record, *s.image, nullptr, o));
    }
    return ids;
  }
  std::optional<session::StoredParent> parent(int64_t id) override {
    auto g = lib_.get(id);
    if (!g) return std::nullopt;
    return session::StoredParent{g->request, lib_.latents_file(*g)};
  }
  std::string job_id;

 private:
  library::Library& lib_;
};

// The parent row of a promotion, copied into the shard's library (once: found again by its file's content hash).
int64_t copy_parent(library::Library& shard, library::Library& from, int64_t id) {
  auto g = from.get(id);
  if (!g) throw Error("no generation " + std::to_string(id) + " in " + from.dir().string());
  const std::string bytes = imageio::read_file(from.image_file(*g));
  const std::string hash = library::content_hash(bytes);
  if (auto there = shard.find_by_content_hash(hash)) return *there;
  library::StoreOptions o;
  o.batch_index = g->batch_index;
  o.source = g->source;
  o.created_at_ms = g->created_at_ms;
  if (!g->latents_path.empty() && fs::is_regular_file(from.latents_file(*g)))
    o.latents = imageio::read_file(from.latents_file(*g));
  GenerationRequest request = g->request;
  request.parent_id.reset();  // an id of the other library; it would name an unrelated row here
  return shard.add_image_bytes(bytes, from.image_file(*g).extension().string(), request, g->record, o, hash);
}

// Leftovers of a killed run: temporary files (never a row's) go; nothing else is touched.
void remove_temp_files(library::Library& lib) {
  library::CheckReport rep = lib.check(false);
  std::error_code ec;
  for (const auto& rel : rep.temp_files) fs::remove(lib.dir() / rel, ec);
}
}  // namespace

BatchSummary run_batch(const Plan& plan, const Shard& shard, const fs::path& library_dir, const BatchOptions& options,
                       const std::function<void(const BatchProgress&)>& on_progress, const std::atomic<bool>& cancel) {
  BatchSummary sum;
  sum.shard = shard;
  sum.plan_jobs = plan.jobs.size();
  auto owned = std::make_unique<library::Library>(library_dir);
  library::Library& lib = *owned;
  if (lib.read_only()) throw Error("batch: " + lib.notice());
  remove_temp_files(lib);

  std::vector<const PlanJob*> todo;
  for (size_t i = 0; i < plan.jobs.size(); ++i) {
    if (!shard.has(i)) continue;
    ++sum.shard_jobs;
    if (lib.find_by_job_id(plan.jobs[i].id)) ++sum.done_before;
    else todo.push_back(&plan.jobs[i]);
  }

  auto store = std::make_unique<JobStore>(lib);
  JobStore* job_store = store.get();
  session::GenerationSession session(options.pipeline, std::move(store));
  std::map<fs::path, std::unique_ptr<library::Library>> parents;
  const auto start = std::chrono::steady_clock::now();
  BatchProgress progress;
  progress.total = int(todo.size());
  for (const PlanJob* job : todo) {
    if (cancel) {
      sum.cancelled = true;
      break;
    }
    job_store->job_id = job->id;
    session::Job sj;
    std::string error;
    try {
      if (job->request) {
        sj.request = *job->request;
        if (options.model) sj.request.model = *options.model;
      } else {
        const PromoteJob& p = *job->promote;
        const fs::path dir = plan.library_of(p);
        sj.promote = session::PromoteSettings{};
        sj.promote->mode = p.mode;
        sj.promote->hires = p.hires;
        sj.promote->model = options.model ? options.model : p.model;
        std::error_code ec;
        if (fs::equivalent(dir, library_dir, ec)) {  // run into the drafts' own library: the parent is there
          if (!lib.get(p.id)) throw Error("no generation " + std::to_string(p.id) + " in " + dir.string());
          sj.parent = p.id;
        } else {
          auto& from = parents[dir];
          if (!from) from = std::make_unique<library::Library>(dir, library::Library::Options{.read_only = true, .create = false});
          sj.parent = copy_parent(lib, *from, p.id);
        }
      }
      session::JobOutcome o = session.run(sj, {}, cancel);
      if (o.result.status == GenerationResult::Status::Cancelled) {
        sum.cancelled = true;
        break;
      }
      if (!o.ok()) error = o.result.error;
      else sum.ids.insert(sum.ids.end(), o.ids.begin(), o.ids.end());
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (error.empty()) ++sum.rendered;
    else sum.failures.push_back({job->id, error});
    ++progress.finished;
    progress.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.job = job;
    progress.ok = error.empty();
    if (on_progress) on_progress(progress);
  }
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return sum;
}

}  // namespace ripen::farm
