#pragma once
// Shared helpers of the UI tests: temporary folders, isolated QSettings, the oracle model.
#include <QDir>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

namespace ripen::ui::test {

// $RIPEN_ORACLE_DIR/tiny-sd15, else ../shared/oracle/tiny-sd15 beside the source tree; empty when absent.
inline QString tiny_model() {
  QString dir = qEnvironmentVariable("RIPEN_ORACLE_DIR");
  if (dir.isEmpty()) dir = QStringLiteral(RIPEN_ORACLE_DEFAULT);
  const QString m = QDir(dir).filePath("tiny-sd15");
  return QFileInfo::exists(m + "/model_index.json") ? QDir(m).canonicalPath() : QString();
}

// Points QSettings at a fresh folder so tests never touch the user's settings.
inline void isolate_settings(const QString& dir) {
  QSettings::setDefaultFormat(QSettings::IniFormat);
  QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir);
  QSettings().clear();
}

}  // namespace ripen::ui::test
