#pragma once
// The models the picker offers: the embedded default (when installed) and every checkpoint the engine's catalogue
// (models/catalogue.h) finds in the user's folders and installs (diffusers folders, single .safetensors files;
// pickles and refused files are listed with the reason).
#include <QList>
#include <QSize>
#include <QString>
#include <QStringList>

#include "models/catalogue.h"

namespace ripen::ui {

struct ModelEntry {
  QString name;  // what the picker shows
  QString path;  // "embedded" or a path, as GenerationRequest::model takes it
  QString arch;     // models::CatalogueEntry::arch: "sd1", "sdxl", ... or empty
  QString problem;  // why it cannot be used (inspect_model's refusal), empty when it can
};

// Where the embedded model is installed (models::resolve_model_path("embedded")), or empty when it is not.
QString locate_embedded_model();
// The checkpoints in these folders (recursive) or these models, through the engine's catalogue.
QList<ModelEntry> scan_models(const QStringList& folders);
// A catalogue's files of one kind, for a picker: name (its path below the folder), architecture, problem.
QList<ModelEntry> catalogue_entries(const models::Catalogue& c, models::ModelKind kind = models::ModelKind::Checkpoint);
bool is_model_path(const QString& path);
// The size the model was made for (models::native_image_size: 64x64 for the embedded model), or an invalid QSize
// when its configs don't say or it cannot be read.
QSize native_image_size(const QString& model);
// Why the model cannot be used, or empty when it can: models::inspect_model's refusal, which checks the weights'
// shapes against the configs (models/validate.h, the check `generate` runs) and names the file, key and shapes.
// Reads headers only.
QString model_problem(const QString& model);

// Whether the model has a distilled student for the Draft tier (models/student.h: <folder>/student/student.json),
// and why a student folder it has cannot be used (the engine's message naming the file and key; empty when fine).
struct StudentAvailability {
  bool available = false;
  QString problem;
};
StudentAvailability student_availability(const QString& model);

}  // namespace ripen::ui
