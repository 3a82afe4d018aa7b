#include "ui/studio_controller.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <algorithm>

#include "imageio/metadata_read.h"
#include "pipeline/metrics.h"
#include "tensors/error.h"
#include "ui/convert.h"

namespace ripen::ui {
namespace {

class DeleteCommand : public QUndoCommand {
 public:
  DeleteCommand(StudioController* c, QList<qint64> ids) : c_(c), ids_(std::move(ids)) {
    setText(StudioController::tr("Delete %n image(s)", nullptr, int(ids_.size())));
  }
  void redo() override {
    auto* lib = c_->library();
    if (!lib) return;
    saved_.clear();
    for (qint64 id : ids_) {
      auto g = lib->get(id);
      if (!g) continue;
      Saved s{*g, read_all(lib->image_file(*g)), {}, lib->collections_of(id)};
      if (!g->latents_path.empty()) s.latents = read_all(lib->latents_file(*g));
      lib->remove(id);
      saved_.push_back(std::move(s));
    }
    QMetaObject::invokeMethod(c_, "library_reset");
  }
  void undo() override {
    ids_.clear();
    for (const auto& s : saved_) ids_.push_back(c_->restore(s.g, s.bytes, s.latents, s.collections));
  }

 private:
  StudioController* c_;
  QList<qint64> ids_;
  struct Saved {
    library::Generation g;
    QByteArray bytes, latents;
    std::vector<int64_t> collections;
  };
  static QByteArray read_all(const std::filesystem::path& p) {
    QFile f(QString::fromStdString(p.string()));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
  }
  std::vector<Saved> saved_;
};

}  // namespace

StudioController::StudioController(AppSettings settings, QObject* parent) : QObject(parent), settings_(settings) {
  register_types();
  open_library();
  worker_ = new GenerationWorker(settings_.engine(), this);
  connect(worker_, &GenerationWorker::job_started, this, &StudioController::job_started, Qt::QueuedConnection);
  connect(worker_, &GenerationWorker::step, this, &StudioController::step, Qt::QueuedConnection);
  connect(worker_, &GenerationWorker::queue_changed, this, &StudioController::queue_changed, Qt::QueuedConnection);
  connect(worker_, &GenerationWorker::job_finished, this, &StudioController::on_finished, Qt::QueuedConnection);
  worker_->start(QThread::LowPriority);  // the UI thread wins the CPU when both want it
}

StudioController::~StudioController() {
  undo_.clear();
  delete worker_;  // joins the thread
}

void StudioController::open_library() {
  library_.reset();
  library_error_.clear();
  try {
    library_ = std::make_unique<library::Library>(settings_.effective_library_dir().toStdString());
  } catch (const std::exception& e) {
    library_error_ = QString::fromUtf8(e.what());
  }
}

void StudioController::apply_settings(const AppSettings& s) {
  const bool reopen = s.effective_library_dir() != settings_.effective_library_dir();
  settings_ = s;
  worker_->set_settings(s.engine());
  if (reopen) {
    undo_.clear();
    open_library();
    Q_EMIT library_reset();
  }
}

quint64 StudioController::generate(const GenerationRequest& request) {
  Job j;
  j.kind = JobKind::Generate;
  j.request = request;
  return worker_->enqueue(j);
}

QList<quint64> StudioController::explore(const GenerationRequest& base, int n) {
  QList<quint64> ids;
  for (int i = 0; i < n; ++i) {
    Job j;
    j.kind = JobKind::Explore;
    j.request = base;
    j.request.preset = Preset::Fast;
    j.request.batch = 1;
    j.request.seed = base.seed + uint64_t(i);
    j.variation = i;
    ids.push_back(worker_->enqueue(j));
  }
  return ids;
}

quint64 StudioController::promote(qint64 id, PromoteMode mode) {
  Job j;
  j.kind = JobKind::Promote;
  j.parent = id;
  j.promote = mode;
  return worker_->enqueue(j);
}

quint64 StudioController::polish(qint64 id, double sigma) {
  Job j;
  j.kind = JobKind::Promote;
  j.parent = id;
  j.promote = PromoteMode::Polish;
  j.request.polish_sigma = sigma;
  return worker_->enqueue(j);
}

void StudioController::cancel() { worker_->cancel_current(); }
void StudioController::cancel_all() { worker_->cancel_all(); }
int StudioController::queue_length() const { return worker_->queue_length(); }

void StudioController::on_finished(const JobResult& r) {
  switch (r.status) {
    case JobResult::Status::Ok:
      Q_EMIT rows_added(r.ids);
      Q_EMIT generated(r);
      if (r.kind == JobKind::Promote && !r.ids.isEmpty()) Q_EMIT compare_requested(r.parent, r.ids.front());
      break;
    case JobResult::Status::Cancelled: Q_EMIT job_cancelled(r); break;
    case JobResult::Status::Failed: Q_EMIT job_failed(r); break;
  }
}

std::optional<library::Generation> StudioController::generation(qint64 id) {
  if (!library_) return std::nullopt;
  try {
    return library_->get(id);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

QString StudioController::image_path(qint64 id) {
  auto g = generation(id);
  return g ? QString::fromStdString(library_->image_file(*g).string()) : QString();
}

QImage StudioController::image(qint64 id) { return QImage(image_path(id)); }

CompareData StudioController::compare(qint64 a, qint64 b) {
  CompareData d;
  d.a = a;
  d.b = b;
  auto ga = generation(a), gb = generation(b);
  if (!ga || !gb) {
    d.error = tr("One of the images is no longer in the library.");
    return d;
  }
  d.image_a = image(a).convertToFormat(QImage::Format_RGB888);
  d.image_b = image(b).convertToFormat(QImage::Format_RGB888);
  auto label = [](const library::Generation& g) {
    return QStringLiteral("#%1 · %2 · %3").arg(g.id).arg(QString::fromStdString(g.mode)).arg(g.request.seed);
  };
  d.label_a = label(*ga);
  d.label_b = label(*gb);
  d.seconds_a = ga->record.seconds_total;
  d.seconds_b = gb->record.seconds_total;
  d.steps_a = ga->record.steps_used;
  d.steps_b = gb->record.steps_used;
  if (d.image_a.isNull() || d.image_b.isNull()) {
    d.error = tr("An image file could not be read.");
    return d;
  }
  QImage bb = d.image_b.size() == d.image_a.size()
                  ? d.image_b
                  : d.image_b.scaled(d.image_a.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
  if (d.image_a.width() >= 11 && d.image_a.height() >= 11) {
    try {
      d.ssim = ssim(from_qimage(d.image_a), from_qimage(bb));
    } catch (const std::exception& e) {
      d.error = QString::fromUtf8(e.what());
    }
  }
  return d;
}

ExportReport StudioController::export_images(const QList<qint64>& ids, const ExportSettings& s) {
  ExportReport rep;
  QDir().mkpath(s.destination);
  int index = 0;
  for (qint64 id : ids) {
    auto g = generation(id);
    if (!g) {
      rep.errors << tr("#%1: not in the library").arg(id);
      continue;
    }
    try {
      std::string base = imageio::expand_name_template(s.name_template.toStdString(), g->request, g->record, id, index++);
      QString path = QDir(s.destination).filePath(QString::fromStdString(base + imageio::format_extension(s.format)));
      for (int k = 2; QFileInfo::exists(path); ++k)
        path = QDir(s.destination)
                   .filePath(QString::fromStdString(base) + QStringLiteral("-%1").arg(k) +
                             QString::fromStdString(imageio::format_extension(s.format)));
      Image img = imageio::read_image(library_->image_file(*g));
      imageio::ExportOptions o;
      o.format = s.format;
      o.jpeg_quality = s.jpeg_quality;
      o.metadata = s.metadata;  // off: no prompt, parameters or XMP in any format
      imageio::export_image(path.toStdString(), img, nullptr, g->request, g->record, o);
      rep.written << path;
    } catch (const std::exception& e) {
      rep.errors << QStringLiteral("#%1: %2").arg(id).arg(QString::fromUtf8(e.what()));
    }
  }
  return rep;
}

void StudioController::set_favourite(qint64 id, bool on) {
  if (!library_) return;
  library_->set_favourite(id, on);
  Q_EMIT rows_changed({id});
}

void StudioController::set_rating(qint64 id, int rating) {
  if (!library_) return;
  library_->set_rating(id, std::clamp(rating, 0, 5));
  Q_EMIT rows_changed({id});
}

QStringList StudioController::split_tags(const QString& text) {
  QStringList out;
  for (const QString& part : text.split(',')) {
    const QString t = part.simplified();
    if (!t.isEmpty() && !out.contains(t)) out << t;
  }
  return out;
}

void StudioController::set_tags(const QList<qint64>& ids, const QStringList& tags) {
  if (!library_ || ids.isEmpty()) return;
  std::vector<std::string> v;
  for (const QString& t : tags) v.push_back(t.toStdString());
  for (qint64 id : ids) library_->set_tags(id, v);
  Q_EMIT rows_changed(ids);
  Q_EMIT labels_changed();
}

void StudioController::add_to_collection(const QList<qint64>& ids, const QString& collection) {
  const QString name = collection.simplified();
  if (!library_ || ids.isEmpty() || name.isEmpty()) return;
  const int64_t c = library_->create_collection(name.toStdString());
  for (qint64 id : ids) library_->add_to_collection(c, id);
  Q_EMIT labels_changed();
}

void StudioController::remove_from_collection(const QList<qint64>& ids, qint64 collection) {
  if (!library_ || ids.isEmpty()) return;
  for (qint64 id : ids) library_->remove_from_collection(collection, id);
  Q_EMIT labels_changed();
}

void StudioController::remove_with_undo(const QList<qint64>& ids) {
  if (!library_ || ids.isEmpty()) return;
  undo_.push(new DeleteCommand(this, ids));  // push() runs redo()
}

qint64 StudioController::restore(const library::Generation& g, const QByteArray& bytes, const QByteArray& latents,
                                 const std::vector<int64_t>& collections) {
  library::StoreOptions o;
  o.batch_index = g.batch_index;
  o.source = g.source;
  o.created_at_ms = g.created_at_ms;
  o.latents.assign(latents.constData(), size_t(latents.size()));
  const std::string content(bytes.constData(), size_t(bytes.size()));
  const std::string ext = std::filesystem::path(g.image_path).extension().string();
  qint64 id = library_->add_image_bytes(content, ext, g.request, g.record, o, library::content_hash(content));
  if (g.favourite) library_->set_favourite(id, true);
  if (g.rating) library_->set_rating(id, g.rating);
  if (!g.tags.empty()) library_->set_tags(id, g.tags);
  for (int64_t c : collections) library_->add_to_collection(c, id);
  Q_EMIT library_reset();
  return id;
}

}  // namespace ripen::ui
