#pragma once
// The models the picker offers: the embedded default (when installed) and every model found in the user's
// folders (diffusers folders with model_index.json, single .safetensors checkpoints).
#include <QList>
#include <QSize>
#include <QString>
#include <QStringList>

namespace ripen::ui {

struct ModelEntry {
  QString name;  // what the picker shows
  QString path;  // "embedded" or a path, as GenerationRequest::model takes it
};

// Where the embedded model is installed (models::resolve_model_path("embedded")), or empty when it is not.
QString locate_embedded_model();
QList<ModelEntry> scan_models(const QStringList& folders);
bool is_model_path(const QString& path);
// The size the model was made for (models::native_image_size: 64x64 for the embedded model), or an invalid QSize
// when its configs don't say or it cannot be read.
QSize native_image_size(const QString& model);
// Why the model cannot be used, or empty when it can: models::inspect_model's refusal, which checks the weights'
// shapes against the configs (models/validate.h, the check `generate` runs) and names the file, key and shapes.
// Reads headers only.
QString model_problem(const QString& model);

}  // namespace ripen::ui
