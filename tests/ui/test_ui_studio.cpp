// The studio's main loop through the real widgets, on the tiny oracle model at small sizes:
// generate → previews → gallery + library → promote → compare → export round trip; explore; cancel; settings
// across a restart; and the longest UI event-loop stall during a generation.
#include <QApplication>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QComboBox>
#include <QTabWidget>
#include <QTimer>
#include <QtTest>
#include <memory>

#include "imageio/export.h"
#include "imageio/metadata_read.h"
#include "ui/app_settings.h"
#include "ui/compare_view.h"
#include "ui/example_prompts.h"
#include "ui/export_dialog.h"
#include "ui/gallery_model.h"
#include "ui/gallery_view.h"
#include "ui/library_model.h"
#include "ui/main_window.h"
#include "ui/preview_view.h"
#include "ui/prompt_panel.h"
#include "ui/seed_library_panel.h"
#include "ui/settings_dialog.h"
#include "ui/variations_grid.h"
#include "ui_test_util.h"

using namespace ripen;
using namespace ripen::ui;

class StudioTest : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  QString model_;
  int run_ = 0;

  // A fresh window on a fresh library with the tiny model selected.
  std::unique_ptr<MainWindow> make_window(bool fresh_library = true) {
    if (fresh_library) {
      QSettings s;
      s.setValue("library/dir", tmp_.filePath(QStringLiteral("lib%1").arg(++run_)));
      s.setValue("models/current", model_);
      s.setValue("engine/threads", 1);  // leave a core to the UI thread on small machines
    }
    auto w = std::make_unique<MainWindow>();
    w->show();
    w->activateWindow();
    if (!QTest::qWaitForWindowActive(w.get())) qWarning("the window did not become active");
    if (!w->model_available()) qWarning("the tiny model is not selectable");
    return w;
  }
  static void set_prompt(MainWindow& w, const QString& text, int size) {
    w.prompt_panel()->prompt_edit()->setPlainText(text);
    w.prompt_panel()->set_seed_mode(PromptPanel::SeedMode::Locked);
    w.prompt_panel()->set_size(size, size);
  }

 private Q_SLOTS:
  void initTestCase() {
    model_ = test::tiny_model();
    if (model_.isEmpty()) QSKIP("oracle fixtures not found (set RIPEN_ORACLE_DIR); skipping");
    QVERIFY(tmp_.isValid());
    test::isolate_settings(tmp_.filePath("settings"));
  }

  void generate_promote_compare_export() {
    auto w = make_window();
    StudioController* c = w->controller();
    QSignalSpy steps(c, &StudioController::step);
    QSignalSpy done(c, &StudioController::generated);
    set_prompt(*w, "a red apple on a (white:1.2) table", 64);
    w->activateWindow();
    w->prompt_panel()->prompt_edit()->setFocus();
    QTest::keyClick(w->prompt_panel()->prompt_edit(), Qt::Key_Return, Qt::ControlModifier);  // Generate
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 120000);
    QVERIFY2(steps.count() > 1, "step events should arrive");
    QVERIFY2(w->preview()->steps_seen() > 0, "the preview should have shown step images");
    const JobResult first = done.takeFirst().at(0).value<JobResult>();
    QVERIFY(first.ok());
    QCOMPARE(first.ids.size(), 1);
    const qint64 parent = first.ids.front();
    // Gallery and library.
    QCOMPARE(w->gallery_model()->rowCount(), 1);
    QCOMPARE(w->gallery_model()->id_at(0), parent);
    QCOMPARE(c->library()->count(), 1);
    QVERIFY(w->library_model()->index_of(parent).isValid());
    QVERIFY(w->preview()->status_text().contains("steps"));

    // Promote from the gallery selection with the shortcut.
    w->gallery()->select_id(parent);
    w->gallery()->list()->setFocus();
    QTest::keyClick(w->gallery()->list(), Qt::Key_P, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 120000);
    const JobResult promoted = done.takeFirst().at(0).value<JobResult>();
    QCOMPARE(promoted.kind, JobKind::Promote);
    QCOMPARE(promoted.promote, PromoteMode::Continue);  // composition latent of this session's run
    const qint64 child = promoted.ids.front();
    auto g = c->generation(child);
    QVERIFY(g.has_value());
    QCOMPARE(g->request.parent_id.value_or(0), parent);
    QCOMPARE(g->request.preset, Preset::Quality);
    QCOMPARE(c->library()->children(parent).size(), size_t(1));

    // Compare opened on both.
    QCOMPARE(w->tabs()->currentWidget(), static_cast<QWidget*>(w->compare_view()));
    const CompareData& cd = w->compare_view()->data();
    QCOMPARE(cd.a, parent);
    QCOMPARE(cd.b, child);
    QVERIFY(!cd.image_a.isNull() && !cd.image_b.isNull());
    QVERIFY2(cd.ssim > -1.0 && cd.ssim <= 1.0, qPrintable(QString::number(cd.ssim)));
    QVERIFY(cd.seconds_a > 0 && cd.seconds_b > 0);
    QVERIFY(w->compare_view()->summary().contains("SSIM"));
    qInfo("promote (continue): SSIM(draft, promoted) = %.4f, draft %.2f s, promoted %.2f s", cd.ssim, cd.seconds_a,
          cd.seconds_b);

    // Polish from the menu action: re-noise the draft's final latent and finish in quality mode.
    w->tabs()->setCurrentIndex(0);
    w->gallery()->select_id(parent);
    w->action("actionPolish")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 120000);
    const JobResult polished = done.takeFirst().at(0).value<JobResult>();
    QCOMPARE(polished.promote, PromoteMode::Polish);
    QCOMPARE(c->generation(polished.ids.front())->request.parent_id.value_or(0), parent);
    QCOMPARE(c->library()->children(parent).size(), size_t(2));
    w->compare_ids(parent, child);

    // Export through the dialog's settings; the metadata must read back as the stored request.
    ExportSettings es;
    es.destination = tmp_.filePath("export");
    es.name_template = "{id}-{seed}-{mode}";
    ExportDialog dlg(2, es);
    ExportSettings chosen = dlg.settings();
    QCOMPARE(chosen.format, imageio::Format::Png8);
    QVERIFY(chosen.metadata);
    w->export_ids({parent, child}, chosen);
    QDir out(es.destination);
    const QStringList files = out.entryList({"*.png"}, QDir::Files, QDir::Name);
    QCOMPARE(files.size(), 2);
    for (const QString& f : files) {
      const qint64 id = f.section('-', 0, 0).toLongLong();
      auto stored = c->generation(id);
      QVERIFY(stored.has_value());
      auto meta = imageio::read_metadata(out.filePath(f).toStdString());
      QVERIFY2(meta.has_value(), qPrintable(f));
      QVERIFY(meta->request == stored->request);
      QCOMPARE(meta->record.steps_used, stored->record.steps_used);
      QCOMPARE(QImage(out.filePath(f)).size(), QSize(64, 64));
    }
    // Without metadata the file carries none.
    chosen.metadata = false;
    chosen.destination = tmp_.filePath("export-plain");
    w->export_ids({child}, chosen);
    const QStringList plain = QDir(chosen.destination).entryList({"*.png"}, QDir::Files);
    QCOMPARE(plain.size(), 1);
    QVERIFY(!imageio::read_metadata(QDir(chosen.destination).filePath(plain[0]).toStdString()).has_value());

    // Delete with undo.
    w->gallery()->select_id(child);
    w->tabs()->setCurrentIndex(0);
    w->action("actionDelete")->trigger();
    QCOMPARE(c->library()->count(), 2);
    QCOMPARE(w->gallery_model()->rowCount(), 2);
    w->action("actionUndo")->trigger();
    QCOMPARE(c->library()->count(), 3);
    QCOMPARE(w->gallery_model()->rowCount(), 3);
    for (const auto& g : c->library()->page({}, 10).items)  // undo brings the latents back too
      QVERIFY2(!g.latents_path.empty() && QFileInfo::exists(QString::fromStdString(c->library()->latents_file(g).string())),
               qPrintable(QString::number(g.id)));

    // Reuse settings from the seed library loads the request into the prompt panel.
    w->prompt_panel()->prompt_edit()->setPlainText("something else");
    QModelIndex row = w->library_model()->index_of(parent);
    QVERIFY(row.isValid());
    Q_EMIT w->seed_library()->reuse_requested(parent);
    QCOMPARE(w->prompt_panel()->prompt_edit()->toPlainText(), QString("a red apple on a (white:1.2) table"));
    QCOMPARE(w->prompt_panel()->request().seed, c->generation(parent)->request.seed);
  }

  // Promotion after a restart: the draft's latents come from the file the library keeps beside its image, so
  // continue gives the very image the in-memory path gave, not a re-render. Export without metadata in every
  // format carries no parameters.
  void promote_after_restart_uses_stored_latents() {
    qint64 draft = 0;
    QImage in_memory;
    {
      auto w = make_window();
      QSignalSpy done(w->controller(), &StudioController::generated);
      set_prompt(*w, "a blue bird on a branch", 64);
      w->generate();
      QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 120000);
      draft = done.takeFirst().at(0).value<JobResult>().ids.front();
      auto g = w->controller()->generation(draft);
      QVERIFY(g && !g->latents_path.empty());
      QVERIFY(QFileInfo::exists(QString::fromStdString(w->controller()->library()->latents_file(*g).string())));
      w->controller()->promote(draft, PromoteMode::Continue);
      QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 120000);
      const JobResult r = done.takeFirst().at(0).value<JobResult>();
      QCOMPARE(r.promote, PromoteMode::Continue);
      QVERIFY(!r.latents_from_library);  // the worker's own cache
      in_memory = r.images.front().convertToFormat(QImage::Format_RGB888);
    }
    auto w = make_window(false);  // a new controller, worker and library connection on the same folder
    StudioController* c = w->controller();
    QSignalSpy done(c, &StudioController::generated);
    c->promote(draft, PromoteMode::Continue);
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 120000);
    const JobResult cont = done.takeFirst().at(0).value<JobResult>();
    QCOMPARE(cont.promote, PromoteMode::Continue);
    QVERIFY(cont.latents_from_library);
    const QImage stored = cont.images.front().convertToFormat(QImage::Format_RGB888);
    c->promote(draft, PromoteMode::Rerender);
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 120000);
    const QImage rerender = done.takeFirst().at(0).value<JobResult>().images.front().convertToFormat(QImage::Format_RGB888);
    c->polish(draft);
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 120000);
    const JobResult polished = done.takeFirst().at(0).value<JobResult>();
    QCOMPARE(polished.promote, PromoteMode::Polish);
    QVERIFY(polished.latents_from_library);
    auto mean_diff = [](const QImage& a, const QImage& b) {
      double sum = 0;
      for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width() * 3; ++x) sum += std::abs(int(a.constScanLine(y)[x]) - int(b.constScanLine(y)[x]));
      return sum / (a.width() * 3.0 * a.height());
    };
    QCOMPARE(stored.size(), in_memory.size());
    const double same = mean_diff(stored, in_memory), other = mean_diff(stored, rerender);
    qInfo("after restart: continue vs in-memory continue %.4f, continue vs re-render %.4f (mean |diff|, 0..255)", same,
          other);
    QVERIFY2(same < 0.5, qPrintable(QString::number(same)));
    QVERIFY2(other > same + 0.5, qPrintable(QString::number(other)));

    // Metadata off: no format carries the prompt or parameters.
    ExportSettings es;
    es.metadata = false;
    es.destination = tmp_.filePath("export-bare");
    for (imageio::Format f : imageio::available_formats()) {
      es.format = f;
      es.name_template = QString::fromStdString("{id}-" + imageio::format_name(f));
      w->export_ids({draft}, es);
    }
    const QStringList files = QDir(es.destination).entryList(QDir::Files);
    QCOMPARE(files.size(), int(imageio::available_formats().size()));
    for (const QString& f : files) {
      const QString path = QDir(es.destination).filePath(f);
      QVERIFY2(!imageio::read_metadata(path.toStdString()).has_value(), qPrintable(f));
      QFile file(path);
      QVERIFY(file.open(QIODevice::ReadOnly));
      const QByteArray bytes = file.readAll();
      QVERIFY2(!bytes.contains("blue bird") && !bytes.contains("Steps:"), qPrintable(f));
    }
  }

  void explore_fills_grid() {
    auto w = make_window();
    set_prompt(*w, "a lighthouse", 64);
    w->prompt_panel()->set_explore_count(4);
    QTest::mouseClick(w->prompt_panel()->explore_button(), Qt::LeftButton);
    QCOMPARE(w->tabs()->currentWidget(), static_cast<QWidget*>(w->variations()));
    QCOMPARE(w->variations()->slots(), 4);
    QTRY_COMPARE_WITH_TIMEOUT(w->variations()->filled(), 4, 180000);
    QCOMPARE(w->controller()->library()->count(), 4);
    QCOMPARE(w->gallery_model()->rowCount(), 4);
    QSet<qulonglong> seeds;
    for (int i = 0; i < 4; ++i) {
      auto g = w->controller()->generation(w->variations()->id_at(i));
      QVERIFY(g.has_value());
      QCOMPARE(g->request.preset, Preset::Fast);
      seeds.insert(g->request.seed);
    }
    QCOMPARE(seeds.size(), 4);
  }

  void cancel_mid_run() {
    auto w = make_window();
    StudioController* c = w->controller();
    set_prompt(*w, "a long run", 128);
    GenerationRequest r = w->prompt_panel()->request();
    r.preset = Preset::Custom;
    r.sampler = "euler";
    r.steps = 200;
    w->prompt_panel()->set_request(r);
    QSignalSpy steps(c, &StudioController::step);
    QSignalSpy cancelled(c, &StudioController::job_cancelled);
    QSignalSpy done(c, &StudioController::generated);
    w->generate();
    QTRY_VERIFY_WITH_TIMEOUT(steps.count() >= 3, 60000);
    QVERIFY(w->prompt_panel()->cancel_button()->isEnabled());
    QElapsedTimer t;
    t.start();
    QTest::keyClick(w.get(), Qt::Key_Escape);
    QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, 30000);
    const double ms = t.elapsed();
    const int last_step = steps.last().at(1).value<StepEvent>().step;
    qInfo("cancel: honoured %.0f ms after Esc, at step %d of 200", ms, last_step);
    QVERIFY(last_step < 200);
    QCOMPARE(done.count(), 0);
    QCOMPARE(c->library()->count(), 0);
    QTRY_VERIFY(!w->prompt_panel()->cancel_button()->isEnabled());
    QVERIFY(w->preview()->status_text().contains("Cancelled"));
  }

  void ui_never_stalls_during_generation() {
    auto w = make_window();
    StudioController* c = w->controller();
    set_prompt(*w, "a stall probe", 128);
    QSignalSpy done(c, &StudioController::generated);
    // A 5 ms timer: the longest gap between its ticks is the longest time the event loop was busy or blocked.
    QElapsedTimer clock;
    qint64 last = -1, worst = 0;
    int ticks = 0;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(5);
    connect(&probe, &QTimer::timeout, [&] {
      const qint64 now = clock.nsecsElapsed();
      if (last >= 0) worst = std::max(worst, now - last);
      last = now;
      ++ticks;
    });
    clock.start();
    probe.start();
    w->explore(3);  // three fast runs: previews every step, results into the grid, gallery and library
    w->generate();
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 4, 180000);
    probe.stop();
    const double worst_ms = worst / 1e6;
    qInfo("UI stall probe: longest event-loop gap %.1f ms over %d ticks (%.1f s, 4 generations)", worst_ms, ticks,
          clock.elapsed() / 1000.0);
    QVERIFY2(worst_ms < 50.0, qPrintable(QString("longest stall %1 ms").arg(worst_ms)));
  }

  void settings_persist_across_restart() {
    AppSettings chosen;
    {
      auto w = make_window();
      SettingsDialog dlg(w->controller()->settings(), w.get());
      dlg.threads()->setValue(3);
      dlg.precision()->setCurrentIndex(dlg.precision()->findData("bf16"));
      dlg.theme()->setCurrentIndex(dlg.theme()->findData("dark"));
      dlg.language()->setCurrentIndex(dlg.language()->findData("de"));
      dlg.library_dir()->setText(tmp_.filePath("persisted-lib"));
      dlg.folders()->addItem(QFileInfo(model_).absolutePath());
      chosen = dlg.settings();
      w->apply_settings(chosen);
      // Run-time language switch: the visible strings are German now.
      QTRY_COMPARE(w->prompt_panel()->generate_button()->text(), QString("&Erzeugen"));
      QVERIFY(w->palette().color(QPalette::Window).lightness() < 128);
      w->close();
    }
    {
      auto w = make_window(false);  // a restart: a new window reads QSettings
      const AppSettings& s = w->controller()->settings();
      QCOMPARE(s.threads, 3);
      QCOMPARE(s.precision, QString("bf16"));
      QCOMPARE(s.theme, QString("dark"));
      QCOMPARE(s.language, QString("de"));
      QCOMPARE(s.library_dir, tmp_.filePath("persisted-lib"));
      QVERIFY(s.model_folders.contains(QFileInfo(model_).absolutePath()));
      QCOMPARE(QDir(w->controller()->library()->dir().c_str()).canonicalPath(),
               QDir(tmp_.filePath("persisted-lib")).canonicalPath());
      QTRY_COMPARE(w->prompt_panel()->generate_button()->text(), QString("&Erzeugen"));
      // Japanese, then back to English, at run time.
      AppSettings ja = s;
      ja.language = "ja";
      w->apply_settings(ja);
      QTRY_COMPARE(w->prompt_panel()->generate_button()->text(), QString("生成(&G)"));
      AppSettings en = ja;
      en.language = "en";
      en.theme = "system";
      w->apply_settings(en);
      QTRY_COMPARE(w->prompt_panel()->generate_button()->text(), QString("&Generate"));
    }
  }

  void first_run_without_a_model_says_what_to_do() {
    {
      QSettings s;
      s.setValue("library/dir", tmp_.filePath("first-run"));
      s.setValue("models/current", "embedded");
      s.remove("models/folders");
    }
    const QByteArray saved = qgetenv("RIPEN_EMBEDDED_MODEL");
    qputenv("RIPEN_EMBEDDED_MODEL", tmp_.filePath("no-such-model").toLocal8Bit());
    MainWindow w;
    w.show();
    if (w.model_available()) QSKIP("an embedded model is installed; the first-run message does not apply");
    auto* msg = w.findChild<QLabel*>("firstRunMessage");
    QVERIFY(msg);
    QVERIFY(msg->isVisible());
    QVERIFY(msg->text().contains("model folder"));
    QSignalSpy started(w.controller(), &StudioController::job_started);
    w.generate();  // refused with the message, nothing queued
    QCOMPARE(w.controller()->queue_length(), 0);
    QVERIFY(msg->isVisible());
    qputenv("RIPEN_EMBEDDED_MODEL", saved);
  }

  void first_run_on_the_embedded_model_offers_a_prompt_it_draws() {
    {
      QSettings s;
      s.setValue("library/dir", tmp_.filePath("first-run-example"));
      s.setValue("models/current", "embedded");
    }
    MainWindow w;
    if (!w.model_available()) QSKIP("no embedded model installed");
    const QStringList examples = example_prompts("embedded");
    if (examples.isEmpty()) QFAIL("the embedded model ships vocabulary.json with example prompts");
    QCOMPARE(w.prompt_panel()->prompt_edit()->toPlainText(), examples.front());
    QVERIFY(w.prompt_panel()->prompt_edit()->toPlainText().contains("face"));
  }

  void accessible_names_on_controls() {
    auto w = make_window();
    int missing = 0;
    QStringList names;
    for (QWidget* c : w->findChildren<QWidget*>()) {
      const bool control = qobject_cast<QAbstractButton*>(c) || qobject_cast<QComboBox*>(c) ||
                           qobject_cast<QAbstractSpinBox*>(c) || qobject_cast<QPlainTextEdit*>(c) ||
                           qobject_cast<QLineEdit*>(c) || qobject_cast<QAbstractItemView*>(c);
      if (!control || !c->isVisibleTo(w.get()) || c->focusPolicy() == Qt::NoFocus) continue;
      if (c->parent() && (qobject_cast<QAbstractSpinBox*>(c->parent()) || qobject_cast<QComboBox*>(c->parent())))
        continue;  // internal line edits of spin and combo boxes
      if (c->accessibleName().isEmpty() && !(qobject_cast<QAbstractButton*>(c) && !static_cast<QAbstractButton*>(c)->text().isEmpty())) {
        ++missing;
        names << c->metaObject()->className() + QString(":") + c->objectName();
      }
    }
    QVERIFY2(missing == 0, qPrintable(names.join(", ")));
  }
};

QTEST_MAIN(StudioTest)
#include "test_ui_studio.moc"
