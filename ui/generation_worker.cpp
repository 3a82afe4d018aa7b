#include "ui/generation_worker.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <QElapsedTimer>
#include <atomic>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <unistd.h>

#include "imageio/file_util.h"

#include "library/library.h"
#include "pipeline/pipeline.h"
#include "pipeline/promote.h"
#include "tensors/error.h"
#include "ui/convert.h"
#include "tensors/cpu_threads.h"

namespace ripen::ui {

// Latents of the last runs, so a promotion can continue from the composition phase or refine the final latent.
struct GenerationWorker::Latents {
  struct Entry {
    at::Tensor final, composition;  // [1, 4, h, w]
    double composition_sigma = 0;
  };
  std::map<qint64, Entry> by_id;
  std::deque<qint64> order;
  void put(qint64 id, Entry e) {
    by_id[id] = std::move(e);
    order.push_back(id);
    while (order.size() > 64) {
      by_id.erase(order.front());
      order.pop_front();
    }
  }
  const Entry* get(qint64 id) const {
    auto it = by_id.find(id);
    return it == by_id.end() ? nullptr : &it->second;
  }
};

namespace {
// Image i of a result as the safetensors the library keeps beside it (promote's own format, so
// load_promote_source reads it back). Written through a private temp file: the safetensors writer takes a path.
std::string latents_bytes(const GenerationResult& res, size_t i, const GenerationRequest& one) {
  if (!res.latents.defined()) return {};
  GenerationResult r;
  r.status = GenerationResult::Status::Ok;
  r.request = one;
  r.plan = res.plan;
  r.record = res.record;
  r.latents = res.latents.slice(0, int64_t(i), int64_t(i) + 1);
  if (res.composition_latents.defined()) {
    r.composition_latents = res.composition_latents.slice(0, int64_t(i), int64_t(i) + 1);
    r.composition_sigma = res.composition_sigma;
  }
  static std::atomic<int> counter{0};
  const auto tmp = std::filesystem::temp_directory_path() /
                   ("ripen-latents-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".safetensors");
  save_result_latents(tmp.string(), r);
  std::string bytes = imageio::read_file(tmp);
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  return bytes;
}
}  // namespace

GenerationWorker::GenerationWorker(EngineSettings settings, QObject* parent)
    : QThread(parent), settings_(std::move(settings)), latents_(std::make_unique<Latents>()) {
  register_types();
  setObjectName("GenerationWorker");
}

GenerationWorker::~GenerationWorker() {
  {
    QMutexLocker lock(&mutex_);
    stopping_ = true;
    queue_.clear();
    cancel_ = true;
    wake_.wakeAll();
  }
  wait();
}

quint64 GenerationWorker::enqueue(Job job) {
  int len;
  {
    QMutexLocker lock(&mutex_);
    job.id = next_id_++;
    queue_.enqueue(job);
    len = queue_.size() + (running_.load() ? 1 : 0);
    wake_.wakeOne();
  }
  Q_EMIT queue_changed(len);
  return job.id;
}

void GenerationWorker::cancel_current() { cancel_ = true; }

void GenerationWorker::cancel_all() {
  int len;
  {
    QMutexLocker lock(&mutex_);
    queue_.clear();
    cancel_ = true;
    len = running_.load() ? 1 : 0;
  }
  Q_EMIT queue_changed(len);
}

void GenerationWorker::set_settings(const EngineSettings& s) {
  QMutexLocker lock(&mutex_);
  if (s == settings_) return;
  settings_ = s;
  settings_dirty_ = true;
}

int GenerationWorker::queue_length() const {
  QMutexLocker lock(&mutex_);
  return queue_.size() + (running_.load() ? 1 : 0);
}

void GenerationWorker::run() {
  for (;;) {
    Job job;
    {
      QMutexLocker lock(&mutex_);
      while (queue_.isEmpty() && !stopping_) wake_.wait(&mutex_);
      if (stopping_) return;
      job = queue_.dequeue();
      running_ = job.id;
      cancel_ = false;
    }
    Q_EMIT job_started(job.id, int(job.kind));
    JobResult r = execute(job);
    int len;
    {
      QMutexLocker lock(&mutex_);
      running_ = 0;
      len = queue_.size();
    }
    Q_EMIT job_finished(r);
    Q_EMIT queue_changed(len);
  }
}

void GenerationWorker::prepare_engine() {
  EngineSettings s;
  {
    QMutexLocker lock(&mutex_);
    if (!settings_dirty_ && pipeline_) return;
    s = settings_;
    settings_dirty_ = false;
  }
  configure_cpu_threads(s.threads);  // 0: one per hardware thread
  if (!pipeline_ || s.device != applied_.device || s.precision != applied_.precision) {
    PipelineOptions o;
    o.device = s.device == "cuda" && at::hasCUDA() ? at::Device(at::kCUDA) : at::Device(at::kCPU);
    o.dtype = s.precision == "bf16" ? at::kBFloat16 : s.precision == "fp16" ? at::kHalf : at::kFloat;
    pipeline_ = std::make_unique<Pipeline>(o);
  }
  if (!library_ || s.library_dir != applied_.library_dir) {
    library_.reset();
    if (!s.library_dir.isEmpty()) library_ = std::make_unique<library::Library>(s.library_dir.toStdString());
  }
  applied_ = s;
}

JobResult GenerationWorker::execute(const Job& job) {
  JobResult out;
  out.job = job.id;
  out.kind = job.kind;
  out.variation = job.variation;
  out.parent = job.parent;
  try {
    prepare_engine();
    // Promotion goes through the pipeline's promote(); it needs the parent's latents: this worker's cache of
    // recent runs, else the latents file the library keeps beside the image. Without either (an imported image,
    // an old library), continue/refine fall back to a re-render.
    std::optional<PromoteSource> source;
    PromoteMode mode = job.promote;
    if (job.kind == JobKind::Promote) {
      if (!library_) throw Error("no library is open");
      auto parent = library_->get(job.parent);
      if (!parent) throw Error("generation " + std::to_string(job.parent) + " is not in the library");
      source = PromoteSource{};
      source->request = parent->request;
      source->request.batch = 1;
      if (job.request.refine_sigma > 0) source->request.refine_sigma = job.request.refine_sigma;
      if (const Latents::Entry* cached = latents_->get(job.parent)) {
        source->latents = cached->final;
        source->composition_latents = cached->composition;
        source->composition_sigma = cached->composition_sigma;
      } else if (!parent->latents_path.empty()) {
        try {
          PromoteSource stored = load_promote_source(library_->latents_file(*parent).string());
          source->latents = stored.latents;
          source->composition_latents = stored.composition_latents;
          source->composition_sigma = stored.composition_sigma;
          out.latents_from_library = true;
        } catch (const std::exception&) {
          // unreadable or gone (check --repair reports it): re-render below
        }
      }
      if ((mode == PromoteMode::Continue && !source->composition_latents.defined()) ||
          (mode == PromoteMode::Refine && !source->latents.defined()))
        mode = PromoteMode::Rerender;
    }
    out.promote = job.kind == JobKind::Promote ? mode : PromoteMode::None;

    QElapsedTimer clock;
    clock.start();
    const quint64 id = job.id;
    auto sink = [this, id](const StepEvent& e) {
      StepInfo s;
      s.job = id;
      s.step = e.step;
      s.planned = e.planned;
      s.sigma = e.sigma;
      s.elapsed = e.elapsed;
      s.eta = e.step > 0 && e.planned >= e.step ? e.elapsed / e.step * (e.planned - e.step) : -1;
      s.phase = QString::fromStdString(e.phase);
      s.preview = to_qimage(e.preview);
      Q_EMIT step(s);
    };
    GenerationResult res = source ? promote(*pipeline_, *source, mode, sink, cancel_)
                                  : pipeline_->generate(job.request, sink, cancel_);
    if (source) res.request.parent_id = job.parent;  // the library row links the child to its parent
    out.request = res.request;
    out.record = res.record;
    if (res.status == GenerationResult::Status::Cancelled) {
      out.status = JobResult::Status::Cancelled;
      return out;
    }
    if (!res.ok()) {
      out.status = JobResult::Status::Failed;
      out.error = QString::fromStdString(res.error);
      return out;
    }
    for (size_t i = 0; i < res.images.size(); ++i) {
      GenerationRequest one = res.request;
      one.seed = res.request.seed + i;
      one.batch = 1;
      qint64 row = 0;
      if (library_) {
        library::StoreOptions so;
        so.batch_index = int(i);
        so.latents = latents_bytes(res, i, one);
        row = library_->store(one, res.record, res.images[i], nullptr, so);
        Latents::Entry e;
        if (res.latents.defined()) e.final = res.latents.slice(0, i, i + 1).clone();
        if (res.composition_latents.defined()) {
          e.composition = res.composition_latents.slice(0, i, i + 1).clone();
          e.composition_sigma = res.composition_sigma;
        }
        latents_->put(row, std::move(e));
      }
      out.ids.push_back(row);
      out.images.push_back(to_qimage(res.images[i]));
    }
    out.status = JobResult::Status::Ok;
  } catch (const std::exception& e) {
    out.status = JobResult::Status::Failed;
    out.error = QString::fromUtf8(e.what());
  }
  return out;
}

}  // namespace ripen::ui
