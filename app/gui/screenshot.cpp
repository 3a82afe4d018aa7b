#include "gui/screenshot.h"

#include <QComboBox>
#include <QDialog>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QGuiApplication>
#include <QPainter>
#include <QPlainTextEdit>
#include <QScreen>
#include <QTabWidget>
#include <QTimer>
#include <QWindow>
#include <cstdio>

#include "ui/catalogue_dialog.h"
#include "ui/gallery_view.h"
#include "ui/image_input_panel.h"
#include "ui/main_window.h"
#include "ui/mask_canvas.h"
#include "ui/network_list_model.h"
#include "ui/networks_panel.h"
#include "ui/prompt_panel.h"
#include "ui/settings_dialog.h"
#include "ui/studio_controller.h"
#include "ui/variations_grid.h"

namespace ripen::gui {
namespace {
using ripen::ui::JobResult;
using ripen::ui::MainWindow;

void settle(int ms) {
  QElapsedTimer t;
  t.start();
  while (t.elapsed() < ms) QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
}

// Waits until `n` jobs finished (any outcome); false on timeout.
bool wait_jobs(MainWindow& w, int n, int timeout_ms = 300000) {
  int done = 0;
  auto* c = w.controller();
  QEventLoop loop;
  auto count = [&] {
    if (++done >= n) loop.quit();
  };
  auto c1 = QObject::connect(c, &ui::StudioController::generated, &loop, count);
  auto c2 = QObject::connect(c, &ui::StudioController::job_failed, &loop, [&](const JobResult& r) {
    std::fprintf(stderr, "job failed: %s\n", qPrintable(r.error));
    count();
  });
  auto c3 = QObject::connect(c, &ui::StudioController::job_cancelled, &loop, count);
  QTimer::singleShot(timeout_ms, &loop, &QEventLoop::quit);
  loop.exec();
  QObject::disconnect(c1);
  QObject::disconnect(c2);
  QObject::disconnect(c3);
  return done >= n;
}

bool grab(QWidget& w, const QString& path) {
  settle(400);
  QScreen* screen = QGuiApplication::primaryScreen();
  QPixmap shot;
  if (QGuiApplication::platformName() == "xcb" && screen) shot = screen->grabWindow(0);
  if (shot.isNull()) shot = w.grab();
  return shot.save(path);
}

void prepare_prompt(MainWindow& w, const char* prompt) {
  auto* p = w.prompt_panel();
  p->prompt_edit()->setPlainText(QString::fromUtf8(prompt));
  p->set_seed_mode(ui::PromptPanel::SeedMode::Locked);
}
}  // namespace

QStringList scene_names() {
  return {"main", "first-run", "explore", "compare", "settings", "models", "presets", "networks",
          "img2img", "inpaint", "outpaint"};
}

int run_scene(QApplication&, MainWindow& w, const QString& scene, const QString& path) {
  if (QWindow* h = w.windowHandle()) h->setPosition(0, 0);
  QScreen* screen = QGuiApplication::primaryScreen();
  if (screen && QGuiApplication::platformName() == "xcb") w.resize(screen->availableSize());
  settle(300);
  // RIPEN_SHOT_SIZE, else the size the studio opened with (the model's own).
  const int size = qEnvironmentVariableIntValue("RIPEN_SHOT_SIZE") > 0 ? qEnvironmentVariableIntValue("RIPEN_SHOT_SIZE")
                                                                        : w.prompt_panel()->request().width;
  if (scene == "main") {
    prepare_prompt(w, "(grinning face:1.2), google style");
    w.prompt_panel()->set_size(size, size);
    w.generate();
    if (!wait_jobs(w, 1)) return 3;
  } else if (scene == "explore") {
    prepare_prompt(w, "grinning cat, twitter style");
    w.prompt_panel()->set_size(size, size);
    w.explore(6);
    if (!wait_jobs(w, 6)) return 3;
  } else if (scene == "compare") {
    prepare_prompt(w, "smiling face with sunglasses, google style");
    w.prompt_panel()->set_size(size, size);
    w.generate();
    if (!wait_jobs(w, 1)) return 3;
    w.promote(PromoteMode::Continue);
    if (!wait_jobs(w, 1)) return 3;
  } else if (scene == "settings") {
    auto* dlg = new ui::SettingsDialog(w.controller()->settings(), &w);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    dlg->show();
    settle(300);
    const bool ok = QGuiApplication::platformName() == "xcb" ? grab(w, path) : grab(*dlg, path);
    dlg->close();
    return ok ? 0 : 2;
  } else if (scene == "models") {  // the Models dialog over the settings' folders, installs and extra paths
    auto* dlg = w.open_models();
    if (QWindow* h = dlg->windowHandle()) h->setPosition(40, 40);
    settle(300);
    const bool ok = QGuiApplication::platformName() == "xcb" ? grab(w, path) : grab(*dlg, path);
    dlg->close();
    return ok ? 0 : 2;
  } else if (scene == "presets") {  // the Mode menu's model presets, and the offer a Lightning UNet file brings
    auto* p = w.prompt_panel();
    Q_EMIT p->unet_changed(QStringLiteral("/models/unet/sdxl_lightning_4step_unet.safetensors"));
    auto* mode = p->findChild<QComboBox*>("mode");
    if (!mode) return 2;
    mode->showPopup();
    settle(300);
    const bool ok = grab(w, path);
    mode->hidePopup();
    return ok ? 0 : 2;
  } else if (scene == "networks") {  // two LoRAs of the settings' installs active, the Networks dock on the first
    if (const QString install = qEnvironmentVariable("RIPEN_SHOT_INSTALL"); !install.isEmpty()) {
      ui::AppSettings s = w.controller()->settings();
      s.install_folders = {install};
      w.apply_settings(s);
    }
    auto* n = w.networks_panel();
    n->rescan();
    if (n->model()->rowCount() < 2) {
      std::fprintf(stderr, "networks scene: fewer than two LoRA files in the settings' install folders\n");
      return 2;
    }
    const double weights[2] = {0.8, 0.45};
    for (int row = 1; row >= 0; --row) {
      n->select_row(row);
      n->findChild<QDoubleSpinBox*>("networkAddWeight")->setValue(weights[row]);
      n->add_current();
    }
    if (auto* dock = qobject_cast<QDockWidget*>(n->parentWidget())) dock->raise();
    prepare_prompt(w, "a red apple on a white table, ink wash");
    w.prompt_panel()->set_size(size, size);
    w.generate();
    if (!wait_jobs(w, 1)) return 3;
  } else if (scene == "img2img" || scene == "inpaint" || scene == "outpaint") {
    // A result of this run becomes the start image ("Use as start image"), then: img2img at strength 0.6; an
    // inpaint mask painted over its middle (shown on the Start image tab, mid-stroke); or the canvas extended.
    prepare_prompt(w, "grinning face, google style");
    w.prompt_panel()->set_size(size, size);
    w.generate();
    if (!wait_jobs(w, 1)) return 3;
    const qint64 id = w.last_result();
    auto* in = w.image_input();
    in->set_image(w.controller()->image(id), QStringLiteral("result #%1").arg(id));
    in->set_library_id(id);
    QImage mask(in->image().size(), QImage::Format_Grayscale8);
    mask.fill(0);
    {
      QPainter p(&mask);
      p.setRenderHint(QPainter::Antialiasing);
      p.setBrush(Qt::white);
      p.setPen(Qt::NoPen);
      p.drawEllipse(QRectF(mask.width() * 0.3, mask.height() * 0.45, mask.width() * 0.4, mask.height() * 0.35));
    }
    if (scene == "inpaint") {
      in->canvas()->set_mask(mask);
      in->set_strength(0.8);
      w.tabs()->setCurrentWidget(in);
      return grab(w, path) ? 0 : 2;
    }
    if (scene == "outpaint") in->canvas()->set_outpaint(QMargins(size / 4, 0, size / 4, 0));
    in->set_strength(scene == "outpaint" ? 1.0 : 0.6);
    prepare_prompt(w, scene == "outpaint" ? "grinning face, google style" : "smiling face with sunglasses, google style");
    w.generate();
    if (!wait_jobs(w, 1)) return 3;
  } else if (scene != "first-run") {
    std::fprintf(stderr, "unknown scene '%s' (one of: %s)\n", qPrintable(scene), qPrintable(scene_names().join(", ")));
    return 2;
  }
  return grab(w, path) ? 0 : 2;
}

}  // namespace ripen::gui
