#include "ui/model_catalog.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace ripen::ui {

QString locate_embedded_model() {
  QStringList candidates;
  const QString env = qEnvironmentVariable("RIPEN_EMBEDDED_MODEL");
  if (!env.isEmpty()) candidates << env;
  const QString app = QCoreApplication::applicationDirPath();
  candidates << app + "/../share/ripen/models/embedded" << app + "/../../resources/models/embedded"
             << QStringLiteral(RIPEN_SOURCE_RESOURCES) + "/models/embedded";
  for (const QString& c : candidates) {
    if (QFileInfo(c + "/model_index.json").exists() || (QFileInfo(c).isFile() && c.endsWith(".safetensors"))) {
      const QString abs = QFileInfo(c).absoluteFilePath();
      qputenv("RIPEN_EMBEDDED_MODEL", abs.toLocal8Bit());
      return abs;
    }
  }
  return {};
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

}  // namespace ripen::ui
