#pragma once
// The studio's persistent settings (QSettings): engine, library, appearance and the last prompt panel state.
#include <QSettings>
#include <QStringList>

#include "ui/generation_worker.h"

namespace ripen::ui {

struct AppSettings {
  QStringList model_folders;
  QStringList install_folders;   // AUTOMATIC1111 / ComfyUI installs (models::install_folders)
  QString extra_model_paths;     // ComfyUI extra_model_paths.yaml, or empty
  QString device = "cpu";
  QString precision = "fp32";
  int threads = 0;
  QString library_dir;       // empty: the library's default location
  QString theme = "system";  // system | dark | light
  QString language = "system";  // system | en | de | ja
  QString model = "embedded";    // last chosen model
  QString preview_decoder;       // a TAESD file (the catalogue's vae_approx) for step previews; empty: automatic

  static AppSettings load(QSettings& s);
  void save(QSettings& s) const;
  QString effective_library_dir() const;
  EngineSettings engine() const;
  bool operator==(const AppSettings&) const = default;
};

}  // namespace ripen::ui
