#pragma once
// What the studio does, apart from how it looks: generation through the worker, promotion, comparison, export,
// library edits with undo. Widgets call this and listen to its signals; they hold no business logic.
#include <QImage>
#include <QObject>
#include <QSet>
#include <QUndoStack>
#include <memory>
#include <optional>

#include "imageio/export.h"
#include "library/library.h"
#include "ui/app_settings.h"
#include "ui/generation_worker.h"

namespace ripen::ui {

struct CompareData {
  qint64 a = 0, b = 0;
  QImage image_a, image_b;
  QString label_a, label_b;
  double seconds_a = 0, seconds_b = 0;
  int steps_a = 0, steps_b = 0;
  double ssim = -1;  // < 0: not computed (sizes too small)
  QString error;
};

struct ExportSettings {
  imageio::Format format = imageio::Format::Png8;
  bool metadata = true;
  QString name_template = "{id}-{seed}-{mode}";
  QString destination;
  int jpeg_quality = 92;
};
struct ExportReport {
  QStringList written, errors;
};

class StudioController : public QObject {
  Q_OBJECT
 public:
  explicit StudioController(AppSettings settings, QObject* parent = nullptr);
  ~StudioController() override;

  const AppSettings& settings() const { return settings_; }
  void apply_settings(const AppSettings& s);  // reopens the library when its folder changed
  library::Library* library() { return library_.get(); }
  QString library_error() const { return library_error_; }
  GenerationWorker* worker() { return worker_; }
  QUndoStack* undo_stack() { return &undo_; }

  quint64 generate(const GenerationRequest& request);
  // N variations: seeds base, base+1, ... in fast mode, one job each so results fill the grid as they finish.
  QList<quint64> explore(const GenerationRequest& base, int n);
  quint64 promote(qint64 id, PromoteMode mode);
  quint64 polish(qint64 id, double sigma = 0);
  void cancel();      // the running job
  void cancel_all();  // the running job and the queue
  int queue_length() const;

  std::optional<library::Generation> generation(qint64 id);
  QString image_path(qint64 id);
  QImage image(qint64 id);
  CompareData compare(qint64 a, qint64 b);
  ExportReport export_images(const QList<qint64>& ids, const ExportSettings& s);
  void set_favourite(qint64 id, bool on);
  void set_rating(qint64 id, int rating);
  // Tags: the same list for every id ("a, b" text is split by split_tags). Collections are made when new.
  void set_tags(const QList<qint64>& ids, const QStringList& tags);
  static QStringList split_tags(const QString& text);  // comma separated, trimmed, no empties or duplicates
  void add_to_collection(const QList<qint64>& ids, const QString& collection);
  void remove_from_collection(const QList<qint64>& ids, qint64 collection);
  void remove_with_undo(const QList<qint64>& ids);
  // Restores a deleted generation from its saved image and latents bytes, with its favourite, rating, tags and
  // collections (used by undo); returns the new id.
  qint64 restore(const library::Generation& g, const QByteArray& bytes, const QByteArray& latents = {},
                 const std::vector<int64_t>& collections = {});

 Q_SIGNALS:
  void job_started(quint64 job, int kind);
  void step(quint64 job, const ripen::StepEvent& event);
  void generated(const ripen::ui::JobResult& result);  // stored in the library
  void job_failed(const ripen::ui::JobResult& result);
  void job_cancelled(const ripen::ui::JobResult& result);
  void queue_changed(int length);
  void rows_added(const QList<qint64>& ids);
  void rows_changed(const QList<qint64>& ids);
  void library_reset();  // rows removed, or another library opened
  void labels_changed();  // tags or collections changed (the gallery's filters re-read them)
  void compare_requested(qint64 a, qint64 b);

 private:
  void open_library();
  void on_finished(const JobResult& r);

  AppSettings settings_;
  std::unique_ptr<library::Library> library_;
  QString library_error_;
  GenerationWorker* worker_ = nullptr;
  QUndoStack undo_;
};

}  // namespace ripen::ui
