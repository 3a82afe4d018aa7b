#pragma once
// The one thread that owns the engine. Jobs wait in a queue; step events and results leave through queued
// signals, so the UI thread never waits on the engine. Cancel is an atomic flag the engine checks before every
// UNet evaluation. Results are stored in the seed library from this thread (its own connection).
#include <QMutex>
#include <QQueue>
#include <QThread>
#include <QWaitCondition>
#include <atomic>
#include <memory>

#include "ui/types.h"

namespace ripen {
class Pipeline;
namespace library { class Library; }
}  // namespace ripen

namespace ripen::ui {

struct EngineSettings {
  QString device = "cpu";       // cpu | cuda
  QString precision = "fp32";   // fp32 | bf16 | fp16
  int threads = 0;              // 0: libtorch's default
  QString library_dir;
  bool operator==(const EngineSettings&) const = default;
};

class GenerationWorker : public QThread {
  Q_OBJECT
 public:
  explicit GenerationWorker(EngineSettings settings, QObject* parent = nullptr);
  ~GenerationWorker() override;  // cancels everything and joins the thread

  quint64 enqueue(Job job);        // returns the job id; thread-safe
  void cancel_current();           // the running job stops within one step
  void cancel_all();               // also drops queued jobs
  void set_settings(const EngineSettings& s);  // applied before the next job
  int queue_length() const;        // queued + running
  quint64 running_job() const { return running_.load(); }

 Q_SIGNALS:
  void job_started(quint64 job, int kind);
  void step(const ripen::ui::StepInfo& info);
  void job_finished(const ripen::ui::JobResult& result);
  void queue_changed(int length);

 protected:
  void run() override;

 private:
  JobResult execute(const Job& job);
  void prepare_engine();

  mutable QMutex mutex_;
  QWaitCondition wake_;
  QQueue<Job> queue_;
  EngineSettings settings_, applied_;
  bool settings_dirty_ = true;
  bool stopping_ = false;
  quint64 next_id_ = 1;
  std::atomic<quint64> running_{0};
  std::atomic<bool> cancel_{false};

  // Owned by the worker thread only.
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<library::Library> library_;
  struct Latents;
  std::unique_ptr<Latents> latents_;  // recent runs' latents by library id, for promote "continue" and "refine"
};

}  // namespace ripen::ui
