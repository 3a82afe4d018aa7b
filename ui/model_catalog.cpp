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
  QList<ModelEntry> out;
  auto add = [&](const QString& p) {
    for (const auto& e : out)
      if (e.path == p) return;
    out.push_back({QFileInfo(p).completeBaseName().isEmpty() ? p : QFileInfo(p).fileName(), p});
  };
  for (const QString& f : folders) {
    const QString abs = QFileInfo(f).absoluteFilePath();
    if (is_model_path(abs)) {
      add(abs);
      continue;
    }
    QDir dir(abs);
    for (const QFileInfo& fi : dir.entryInfoList(QDir::Dirs | QDir::Files | QDir::NoDotAndDotDot, QDir::Name))
      if (is_model_path(fi.absoluteFilePath())) add(fi.absoluteFilePath());
  }
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

}  // namespace ripen::ui
