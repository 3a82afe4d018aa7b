#include "ui/model_catalog.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

#include "models/model.h"

namespace ripen::ui {

QString locate_embedded_model() {
  // The engine's own lookup ($RIPEN_EMBEDDED_MODEL, the install prefix, the source tree), so the studio and
  // ripen-cli always agree on which model "embedded" is.
  std::string path;
  try {
    path = models::resolve_model_path("embedded");
  } catch (const std::exception&) {
    return {};  // not installed: the caller shows the first-run message
  }
  const QString p = QString::fromStdString(path);
  return is_model_path(p) ? QFileInfo(p).absoluteFilePath() : QString();
}

bool is_model_path(const QString& path) {
  QFileInfo fi(path);
  if (fi.isDir()) return QFileInfo(path + "/model_index.json").exists();
  return fi.isFile() && fi.suffix().compare("safetensors", Qt::CaseInsensitive) == 0;
}

QList<ModelEntry> scan_models(const QStringList& folders) {
  models::CatalogueRoots roots;
  for (const QString& f : folders) roots.checkpoint_folders.push_back(QFileInfo(f).absoluteFilePath().toStdString());
  return catalogue_entries(models::scan_catalogue(roots));
}

QList<ModelEntry> catalogue_entries(const models::Catalogue& c, models::ModelKind kind) {
  QList<ModelEntry> out;
  for (const auto& e : c.entries)
    if (e.kind == kind)
      out.push_back({QString::fromStdString(e.name), QString::fromStdString(e.path), QString::fromStdString(e.arch),
                     QString::fromStdString(e.problem)});
  return out;
}

QSize native_image_size(const QString& model) {
  const QString path = model == "embedded" ? locate_embedded_model() : model;
  if (path.isEmpty()) return {};
  try {
    models::LoadOptions o;
    o.compute_hash = false;
    const int64_t side = models::native_image_size(models::inspect_model(path.toStdString(), o).configs);
    return side > 0 ? QSize(int(side), int(side)) : QSize();
  } catch (const std::exception&) {
    return {};  // an unreadable model keeps the current size; model_problem says why
  }
}

QString model_problem(const QString& model) {
  const QString path = model == "embedded" ? locate_embedded_model() : model;
  if (path.isEmpty()) return {};  // the embedded model not installed: the first-run message covers it
  try {
    models::LoadOptions o;
    o.compute_hash = false;
    models::inspect_model(path.toStdString(), o);
    return {};
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
}

StudentAvailability student_availability(const QString& model) {
  const QString path = model == "embedded" ? locate_embedded_model() : model;
  const std::string dir = path.isEmpty() ? std::string() : models::find_student_dir(path.toStdString());
  if (dir.empty()) return {};
  try {
    models::read_student_info(dir);
    return {true, {}};
  } catch (const std::exception& e) {
    return {false, QString::fromStdString(e.what())};
  }
}

}  // namespace ripen::ui
