#include "ui/generation_worker.h"

#include <ATen/ATen.h>

#include <QImageReader>
#include <cstring>

#include "library/library_store.h"
#include "pipeline/mask.h"
#include "session/generation_session.h"
#include "tensors/error.h"
#include "tensors/cpu_threads.h"
#include "ui/convert.h"

namespace ripen::ui {
namespace {
// request.image's picture and mask files, read with Qt's codecs (the engine has none).
RgbaPixels read_picture(const std::string& path) {
  QImageReader reader(QString::fromStdString(path));
  reader.setAutoTransform(true);
  const QImage img = reader.read().convertToFormat(QImage::Format_RGBA8888);
  if (img.isNull()) throw Error("cannot read the picture " + path + ": " + reader.errorString().toStdString());
  RgbaPixels p;
  p.width = img.width(), p.height = img.height();
  p.rgba.resize(size_t(p.width) * size_t(p.height) * 4);
  for (int y = 0; y < p.height; ++y)
    std::memcpy(p.rgba.data() + size_t(y) * size_t(p.width) * 4, img.constScanLine(y), size_t(p.width) * 4);
  return p;
}

PipelineOptions pipeline_options(const EngineSettings& s) {
  PipelineOptions o;
  o.read_image = read_picture;
  o.device = s.device == "cuda" && at::hasCUDA() ? at::Device(at::kCUDA) : at::Device(at::kCPU);
  o.dtype = s.precision == "bf16" ? at::kBFloat16 : s.precision == "fp16" ? at::kHalf : at::kFloat;
  o.taesd_path = s.taesd_path.toStdString();
  for (const QString& f : s.lora_folders) o.network_folders.lora.push_back(f.toStdString());
  for (const QString& f : s.embedding_folders) o.network_folders.embeddings.push_back(f.toStdString());
  return o;
}

session::Job session_job(const Job& job) {
  session::Job j;
  j.request = job.request;
  if (job.kind == JobKind::Promote) {
    session::PromoteSettings p;
    p.mode = job.promote;
    p.polish_sigma = job.request.polish_sigma;
    j.promote = p;
    j.parent = job.parent;
  }
  return j;
}
}  // namespace

GenerationWorker::GenerationWorker(EngineSettings settings, QObject* parent)
    : QThread(parent), settings_(std::move(settings)) {
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

void GenerationWorker::prepare_session() {
  EngineSettings s;
  {
    QMutexLocker lock(&mutex_);
    if (!settings_dirty_ && session_) return;
    s = settings_;
    settings_dirty_ = false;
  }
  configure_cpu_threads(s.threads);  // 0: one per hardware thread
  if (!session_) session_ = std::make_unique<session::GenerationSession>(pipeline_options(s));
  session_->set_pipeline_options(pipeline_options(s));
  if (s.library_dir != applied_.library_dir || !session_->store()) {
    session_->set_store(nullptr);
    if (!s.library_dir.isEmpty())
      session_->set_store(std::make_unique<library::LibraryStore>(std::filesystem::path(s.library_dir.toStdString())));
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
    prepare_session();
  } catch (const std::exception& e) {
    out.status = JobResult::Status::Failed;
    out.error = QString::fromUtf8(e.what());
    return out;
  }
  const quint64 id = job.id;
  auto sink = [this, id](const StepEvent& e) { Q_EMIT step(id, e); };
  session::JobOutcome o = session_->run(session_job(job), sink, cancel_);
  out.promote = o.promoted;
  out.latents_from_library = o.latents_from_store;
  out.request = o.result.request;
  out.record = o.result.record;
  if (o.result.status == GenerationResult::Status::Cancelled) {
    out.status = JobResult::Status::Cancelled;
  } else if (!o.ok()) {
    out.status = JobResult::Status::Failed;
    out.error = QString::fromStdString(o.result.error);
  } else {
    out.status = JobResult::Status::Ok;
    for (size_t i = 0; i < o.result.images.size(); ++i) {
      out.ids.push_back(i < o.ids.size() ? o.ids[i] : 0);
      out.images.push_back(to_qimage(o.result.images[i]));
    }
  }
  return out;
}

}  // namespace ripen::ui
