#pragma once
// Scripted scenes for screenshots (packaging/screenshots.sh runs them under Xvfb): drive the window through the
// same calls the menus make, wait for the worker, grab the screen (or the window when there is no screen).
#include <QApplication>
#include <QStringList>

namespace ripen::ui { class MainWindow; }

namespace ripen::gui {
QStringList scene_names();
int run_scene(QApplication& app, ripen::ui::MainWindow& w, const QString& scene, const QString& path);
}  // namespace ripen::gui
