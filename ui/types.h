#pragma once
// Plain data the GenerationWorker sends to the UI thread through queued signals (step events go as the engine's
// ripen::StepEvent, unchanged).
#include <QImage>
#include <QList>
#include <QMetaType>
#include <QString>

#include "pipeline/events.h"
#include "pipeline/request.h"

namespace ripen::ui {

enum class JobKind { Generate, Explore, Promote };

// What the user asked the worker to do.
struct Job {
  quint64 id = 0;
  JobKind kind = JobKind::Generate;
  GenerationRequest request;  // Promote: filled in by the worker from the parent's row
  int variation = -1;         // Explore: position in the variations grid
  qint64 parent = 0;          // Promote: library id of the parent
  PromoteMode promote = PromoteMode::Rerender;
};

struct JobResult {
  quint64 job = 0;
  JobKind kind = JobKind::Generate;
  enum class Status { Ok, Cancelled, Failed } status = Status::Failed;
  QString error;
  int variation = -1;
  qint64 parent = 0;
  PromoteMode promote = PromoteMode::None;  // what was actually done (a Continue may fall back to Rerender)
  bool latents_from_library = false;        // Promote: the parent's latents came from its stored file
  QList<qint64> ids;                        // library rows, one per image
  QList<QImage> images;
  GenerationRequest request;
  GenerationRecord record;
  bool ok() const { return status == Status::Ok; }
};

void register_types();

}  // namespace ripen::ui

Q_DECLARE_METATYPE(ripen::StepEvent)
Q_DECLARE_METATYPE(ripen::NetworkRef)
Q_DECLARE_METATYPE(ripen::ui::JobResult)
