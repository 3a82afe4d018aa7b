#include "ui/app_settings.h"

#include "library/library.h"
#include "lora/network_folders.h"
#include "ui/catalogue_model.h"

namespace ripen::ui {

AppSettings AppSettings::load(QSettings& s) {
  AppSettings a;
  a.model_folders = s.value("models/folders").toStringList();
  a.install_folders = s.value("models/installs").toStringList();
  a.extra_model_paths = s.value("models/extra_model_paths").toString();
  a.model = s.value("models/current", a.model).toString();
  a.device = s.value("engine/device", a.device).toString();
  a.precision = s.value("engine/precision", a.precision).toString();
  a.threads = s.value("engine/threads", a.threads).toInt();
  a.preview_decoder = s.value("engine/preview_decoder").toString();
  a.library_dir = s.value("library/dir").toString();
  a.theme = s.value("appearance/theme", a.theme).toString();
  a.language = s.value("appearance/language", a.language).toString();
  return a;
}

void AppSettings::save(QSettings& s) const {
  s.setValue("models/folders", model_folders);
  s.setValue("models/installs", install_folders);
  s.setValue("models/extra_model_paths", extra_model_paths);
  s.setValue("models/current", model);
  s.setValue("engine/device", device);
  s.setValue("engine/precision", precision);
  s.setValue("engine/preview_decoder", preview_decoder);
  s.setValue("engine/threads", threads);
  s.setValue("library/dir", library_dir);
  s.setValue("appearance/theme", theme);
  s.setValue("appearance/language", language);
  s.sync();
}

QString AppSettings::effective_library_dir() const {
  return library_dir.isEmpty() ? QString::fromStdString(library::Library::default_path().string()) : library_dir;
}

EngineSettings AppSettings::engine() const {
  EngineSettings e{device, precision, threads, effective_library_dir(), preview_decoder, {}, {}};
  const lora::NetworkFolders folders = lora::NetworkFolders::from_roots(catalogue_roots(*this));
  for (const auto& f : folders.lora) e.lora_folders << QString::fromStdString(f);
  for (const auto& f : folders.embeddings) e.embedding_folders << QString::fromStdString(f);
  return e;
}

}  // namespace ripen::ui
