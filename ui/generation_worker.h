#pragma once
// The one thread that drives the engine, in the shape of Qt's mandelbrot RenderThread: take a job, run it in the
// GenerationSession (core/session: the same path as ripen-cli), hand the events and the result back through
// queued signals; cancel stops the running job within one step, cancel_all also drops the queue. The UI thread
// never waits on the engine. The session stores results in the seed library from this thread (its own
// connection).
#include <QMutex>
#include <QQueue>
#include <QThread>
#include <QWaitCondition>
#include <atomic>
#include <memory>

#include "ui/types.h"

namespace ripen::session { class GenerationSession; }

namespace ripen::ui {

struct EngineSettings {
  QString device = "cpu";       // cpu | cuda
  QString precision = "fp32";   // fp32 | bf16 | fp16
  int threads = 0;              // 0: libtorch's default
  QString library_dir;
  QString taesd_path;           // the step-preview decoder; empty: the one beside the model (PipelineOptions)
  QStringList lora_folders, embedding_folders;  // where <lora:NAME> and embedding names are looked up
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
  void step(quint64 job, const ripen::StepEvent& event);
  void job_finished(const ripen::ui::JobResult& result);
  void queue_changed(int length);

 protected:
  void run() override;

 private:
  JobResult execute(const Job& job);
  void prepare_session();

  mutable QMutex mutex_;
  QWaitCondition wake_;
  QQueue<Job> queue_;
  EngineSettings settings_, applied_;
  bool settings_dirty_ = true;
  bool stopping_ = false;
  quint64 next_id_ = 1;
  std::atomic<quint64> running_{0};
  std::atomic<bool> cancel_{false};

  std::unique_ptr<session::GenerationSession> session_;  // owned by the worker thread only
};

}  // namespace ripen::ui
