// ripen: the studio. Options for automation: --library DIR, --model PATH, --screenshot PATH with --scene NAME
// (see screenshot.h), --settings-dir DIR (keeps QSettings in DIR, e.g. for a clean first run).
#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>
#include <QTimer>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "gui/screenshot.h"
#include "ui/app_icon.h"
#include "ui/main_window.h"

namespace {
// Qt's own failure without a display is an abort with a platform-plugin message; say what to use instead.
bool has_display_or_platform(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "-platform") || !std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h") ||
        !std::strcmp(argv[i], "--version") || !std::strcmp(argv[i], "-v"))
      return true;
  for (const char* var : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"})
    if (const char* v = std::getenv(var); v && *v) return true;
  return false;
}
}  // namespace

int main(int argc, char** argv) {
  if (!has_display_or_platform(argc, argv)) {
    std::fputs("ripen: no display (neither DISPLAY nor WAYLAND_DISPLAY is set). The studio needs a desktop session;\n"
               "on a server use ripen-cli (ripen-cli generate --prompt \"...\" --out image.png; ripen-cli --help),\n"
               "or run the studio headless with QT_QPA_PLATFORM=offscreen.\n",
               stderr);
    return 2;
  }
  QApplication app(argc, argv);
  QApplication::setOrganizationName("Ripen");
  QApplication::setApplicationName("Ripen");
  QApplication::setApplicationVersion("0.1.0");
  QApplication::setDesktopFileName("ripen");
  QApplication::setWindowIcon(ripen::ui::app_icon());

  QCommandLineParser cli;
  cli.setApplicationDescription("Ripen: explore fast, pick, promote, compare, export.");
  cli.addHelpOption();
  cli.addVersionOption();
  QCommandLineOption library({"l", "library"}, "Use the seed library in DIR.", "DIR");
  QCommandLineOption model({"m", "model"}, "Select the model at PATH.", "PATH");
  QCommandLineOption settings_dir("settings-dir", "Keep settings in DIR instead of the user's.", "DIR");
  QCommandLineOption screenshot("screenshot", "Save a screenshot of the window to PATH and quit.", "PATH");
  QCommandLineOption scene("scene", "What the screenshot shows: " + ripen::gui::scene_names().join(", ") + ".", "NAME",
                           "main");
  QCommandLineOption language("language", "Use LANG (en, de, ja) for this run.", "LANG");
  QCommandLineOption theme("theme", "Use THEME (system, dark, light) for this run.", "THEME");
  QCommandLineOption write_icon("write-icon", "Write the application icon as a PNG to PATH and quit.", "PATH");
  QCommandLineOption icon_size("icon-size", "The size in pixels of --write-icon (default 256).", "N", "256");
  cli.addOptions({library, model, settings_dir, screenshot, scene, language, theme, write_icon, icon_size});
  cli.process(app);

  if (cli.isSet(write_icon))
    return ripen::ui::app_icon_image(cli.value(icon_size).toInt()).save(cli.value(write_icon)) ? 0 : 1;
  if (cli.isSet(settings_dir)) {
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, cli.value(settings_dir));
  }
  {
    QSettings s;
    if (cli.isSet(library)) s.setValue("library/dir", cli.value(library));
    if (cli.isSet(model)) s.setValue("models/current", cli.value(model));
    if (cli.isSet(language)) s.setValue("appearance/language", cli.value(language));
    if (cli.isSet(theme)) s.setValue("appearance/theme", cli.value(theme));
  }
  ripen::ui::MainWindow w;
  w.show();
  if (cli.isSet(screenshot)) return ripen::gui::run_scene(app, w, cli.value(scene), cli.value(screenshot));
  return app.exec();
}
