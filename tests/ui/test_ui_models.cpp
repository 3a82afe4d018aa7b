// Models and small widgets without the engine (the model picker's check reads headers only): the gallery over 10,000 rows (paging, scrolling time), the
// lineage tree, the prompt highlighter, export settings mapping.
#include <QApplication>
#include <QComboBox>
#include <QDateEdit>
#include <QDateTime>
#include <QDoubleSpinBox>
#include <QGroupBox>
#include <QLabel>
#include <QElapsedTimer>
#include <QListView>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QStandardItemModel>
#include <QTextBlock>
#include <QTextLayout>
#include <QtTest>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "bench/library_bench.h"
#include "bench/library_fill.h"
#include "library/library.h"
#include "ui/export_dialog.h"
#include "ui/gallery_model.h"
#include "ui/gallery_view.h"
#include "ui/library_model.h"
#include "ui/model_catalog.h"
#include "ui/prompt_highlighter.h"
#include "ui/prompt_panel.h"
#include "ui_test_util.h"

using namespace ripen;
using namespace ripen::ui;

namespace {
Image tiny_image(uint8_t v) {
  Image img;
  img.width = img.height = 16;
  img.rgb.assign(16 * 16 * 3, v);
  return img;
}
}  // namespace

class ModelsTest : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private Q_SLOTS:
  void prompt_panel_hires_pass_follows_the_mode() {
    PromptPanel panel;
    auto* mode = panel.findChild<QComboBox*>("mode");
    auto* hires = panel.findChild<QGroupBox*>("hires");
    auto* strength = panel.findChild<QDoubleSpinBox*>("hiresStrength");
    auto* upscale = panel.findChild<QComboBox*>("hiresUpscale");
    QVERIFY(mode && hires && strength && upscale);
    mode->setCurrentIndex(int(Preset::Fast));
    QVERIFY(!hires->isVisibleTo(&panel));  // fast and lightning refuse the 2x pass
    hires->setChecked(true);
    QVERIFY(!panel.request().hires);
    mode->setCurrentIndex(int(Preset::Quality));
    QVERIFY(hires->isVisibleTo(&panel));
    strength->setValue(0.6);
    upscale->setCurrentIndex(1);
    GenerationRequest r = panel.request();
    QVERIFY(r.hires);
    QCOMPARE(r.hires_strength, 0.6);
    QVERIFY(r.hires_upscale == HiresUpscale::Latent);
    QVERIFY(!hires->accessibleName().isEmpty());
    // Reusing a request's settings restores the pass.
    hires->setChecked(false);
    upscale->setCurrentIndex(0);
    panel.set_request(r);
    QVERIFY(hires->isChecked());
    QCOMPARE(upscale->currentIndex(), 1);
    QVERIFY(panel.request().hires);
  }

  void gallery_pages_through_10000_rows_smoothly() {
    const std::string dir = tmp_.filePath("big").toStdString();
    library::run_bench(dir, 10000, 1);  // synthetic rows, no image files
    library::Library lib(dir);
    QCOMPARE(lib.count(), 10000);
    GalleryModel model([&] { return &lib; });
    QCOMPARE(model.rowCount(), 120);  // the first page only
    QListView view;
    view.setViewMode(QListView::IconMode);
    view.setUniformItemSizes(true);
    view.setGridSize({144, 164});
    view.setIconSize({128, 128});
    view.setResizeMode(QListView::Adjust);
    view.setModel(&model);
    view.resize(1000, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    // Scroll to the end page by page, as a user dragging the scroll bar would, timing each step.
    double worst = 0;
    QElapsedTimer total;
    total.start();
    for (int i = 0; i < 2000 && model.canFetchMore({}); ++i) {
      QElapsedTimer t;
      t.start();
      view.verticalScrollBar()->setValue(view.verticalScrollBar()->maximum());
      QCoreApplication::processEvents();
      view.repaint();
      worst = std::max(worst, t.nsecsElapsed() / 1e6);
    }
    QCOMPARE(model.rowCount(), 10000);
    qInfo("gallery: 10,000 rows paged in %.2f s, slowest scroll step %.1f ms", total.elapsed() / 1000.0, worst);
    QVERIFY2(worst < 100, qPrintable(QString::number(worst)));
    // Ids are unique and newest first.
    QSet<qint64> ids;
    for (int r = 0; r < model.rowCount(); ++r) ids.insert(model.id_at(r));
    QCOMPARE(ids.size(), 10000);
    // Full-text filter narrows it.
    library::GalleryFilter f;
    f.text = "zzzzunlikelyword";
    model.set_filter(f);
    QCOMPARE(model.rowCount(), 0);
  }

  // Opening a library of real images decodes thumbnails for the rows on screen only (each decode writes its
  // cache file), and scrolling through it never blocks the event loop for long (a 5 ms timer's longest gap; the
  // bound is loose because a shared CI machine deschedules the process for tens of ms, while decoding the loaded
  // rows' thumbnails on the UI thread would take seconds).
  void gallery_decodes_only_visible_thumbnails() {
    const std::string dir = tmp_.filePath("filled").toStdString();
    library::Library lib(dir);
    library::FillOptions fo;
    fo.count = 3000;
    library::fill_library(lib, fo);
    GalleryModel model([&] { return &lib; });
    QSignalSpy decoded(model.loader(), &ThumbnailLoader::loaded);
    GalleryView gallery(&model);
    gallery.resize(1000, 700);
    gallery.show();
    QVERIFY(QTest::qWaitForWindowExposed(&gallery));
    auto thumbs = [&] {
      std::error_code ec;
      int n = 0;
      for (auto it = std::filesystem::directory_iterator(dir + "/thumbs", ec); !ec && it != std::filesystem::directory_iterator(); ++it) ++n;
      return n;
    };
    QTRY_VERIFY_WITH_TIMEOUT(decoded.count() > 0, 20000);
    QTest::qWait(500);  // let every request of the first screen finish
    const int visible = int(decoded.count());
    qInfo("gallery over 3000 filled rows: %d thumbnails decoded after opening, %d cache files", visible, thumbs());
    QVERIFY2(visible <= 80, qPrintable(QString::number(visible)));
    QCOMPARE(thumbs(), visible);

    QElapsedTimer clock;
    qint64 last = -1, worst = 0;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(5);
    connect(&probe, &QTimer::timeout, [&] {
      const qint64 now = clock.nsecsElapsed();
      if (last >= 0) worst = std::max(worst, now - last);
      last = now;
    });
    clock.start();
    probe.start();
    QScrollBar* bar = gallery.list()->verticalScrollBar();
    for (int i = 0; i < 40; ++i) {  // a page a step, as a user paging down
      bar->setValue(bar->value() + bar->pageStep());
      QTest::qWait(20);
    }
    QTest::qWait(300);
    probe.stop();
    qInfo("gallery scroll: %d rows loaded, %d thumbnails decoded, longest event-loop gap %.1f ms", model.rowCount(),
          int(decoded.count()), worst / 1e6);
    QVERIFY2(worst / 1e6 < 250.0, qPrintable(QString::number(worst / 1e6)));
    QVERIFY(decoded.count() < model.rowCount());  // rows scrolled past quickly were never all decoded
  }

  void lineage_tree_and_thumbnails() {
    library::Library lib(tmp_.filePath("lineage").toStdString());
    GenerationRequest r;
    r.prompt = "parent";
    r.seed = 7;
    r.width = r.height = 16;
    GenerationRecord rec;
    rec.steps_used = 9;
    const int64_t parent = lib.store(r, rec, tiny_image(10));
    GenerationRequest c = r;
    c.prompt = "parent";
    c.preset = Preset::Quality;
    c.parent_id = parent;
    c.promote = PromoteMode::Continue;
    const int64_t child = lib.store(c, rec, tiny_image(200));
    LibraryModel model([&] { return &lib; });
    QCOMPARE(model.rowCount(), 2);
    QModelIndex p = model.index_of(parent);
    QVERIFY(p.isValid());
    QCOMPARE(model.rowCount(p), 1);
    QCOMPARE(model.id_at(model.index(0, 0, p)), child);
    QCOMPARE(model.parent(model.index(0, 0, p)), p);
    QVERIFY(model.data(model.index(0, LibraryModel::ColLineage, p), Qt::DisplayRole).toString().contains("continue"));
    QCOMPARE(model.rowCount(model.index_of(child)), 0);

    GalleryModel gallery([&] { return &lib; });
    QCOMPARE(gallery.rowCount(), 2);
    gallery.data(gallery.index(0), Qt::DecorationRole);  // asks the thread pool
    QSignalSpy changed(&gallery, &QAbstractItemModel::dataChanged);
    QTRY_VERIFY(changed.count() >= 1);
    const QPixmap px = gallery.data(gallery.index(0), Qt::DecorationRole).value<QPixmap>();
    QCOMPARE(px.size(), QSize(16, 16));
    QVERIFY(std::abs(QColor(px.toImage().pixel(3, 3)).red() - 200) <= 2);  // the newest (child) first (JPEG)
    // Made through the library's thumbnail cache, on the pool, not by reading the image in the UI.
    QVERIFY(QFileInfo::exists(tmp_.filePath(QStringLiteral("lineage/thumbs/%1.jpg").arg(child))));
    // Drag out: file URLs of the images.
    std::unique_ptr<QMimeData> mime(gallery.mimeData({gallery.index(0), gallery.index(1)}));
    QCOMPARE(mime->urls().size(), 2);
    QVERIFY(QFileInfo::exists(mime->urls()[0].toLocalFile()));
  }

  // The gallery's filters, driven through their widgets with the keyboard: each goes through the library's
  // query (the model shows exactly the library's answer).
  void gallery_filters_through_the_widgets() {
    library::Library lib(tmp_.filePath("filters").toStdString());
    const qint64 now = QDateTime::currentMSecsSinceEpoch(), day = 24 * 3600 * 1000;
    std::vector<int64_t> ids;
    for (int i = 0; i < 30; ++i) {
      GenerationRequest r;
      r.prompt = i % 2 ? "a castle" : "a forest";
      r.seed = uint64_t(i);
      r.width = r.height = 16;
      library::StoreOptions o;
      o.created_at_ms = now - i * day - 1000;  // row i is i days old
      ids.push_back(lib.store(r, {}, tiny_image(uint8_t(i)), nullptr, o));
      if (i % 3 == 0) lib.set_tags(ids.back(), {"blue"});
      if (i % 5 == 0) lib.set_tags(ids.back(), i % 3 == 0 ? std::vector<std::string>{"blue", "keeper"} : std::vector<std::string>{"keeper"});
      if (i % 4 == 0) lib.set_rating(ids.back(), 1 + i % 5);
    }
    const int64_t col = lib.create_collection("portfolio");
    for (int i : {2, 3, 21}) lib.add_to_collection(col, ids[size_t(i)]);
    GalleryModel model([&] { return &lib; });
    GalleryView view(&model);
    view.resize(1200, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCOMPARE(model.rowCount(), 30);
    auto shown = [&] {
      QSet<qint64> out;
      for (int r = 0; r < model.rowCount(); ++r) out.insert(model.id_at(r));
      return out;
    };
    auto expect = [&](auto pred) {
      QSet<qint64> out;
      for (int i = 0; i < 30; ++i)
        if (pred(i)) out.insert(ids[size_t(i)]);
      return out;
    };
    for (QWidget* wdg : std::initializer_list<QWidget*>{view.tag_filter(), view.collection_filter(), view.rating_filter(),
                                                      view.date_filter(), view.from_date(), view.to_date()})
      QVERIFY2(!wdg->accessibleName().isEmpty(), qPrintable(wdg->objectName()));

    // Tags, offered with their counts; chosen with the keyboard.
    QCOMPARE(view.tag_filter()->count(), 3);  // all, blue, keeper
    QVERIFY(view.tag_filter()->itemText(1).startsWith("blue"));
    view.tag_filter()->setFocus();
    QTest::keyClick(view.tag_filter(), Qt::Key_Down);
    QCOMPARE(view.tag_filter()->currentData().toString(), QString("blue"));
    QCOMPARE(shown(), expect([](int i) { return i % 3 == 0; }));
    QTest::keyClick(view.tag_filter(), Qt::Key_Down);
    QCOMPARE(shown(), expect([](int i) { return i % 5 == 0; }));
    // ... plus a minimum rating.
    view.rating_filter()->setCurrentIndex(3);  // three stars or more
    QCOMPARE(shown(), expect([](int i) { return i % 5 == 0 && i % 4 == 0 && 1 + i % 5 >= 3; }));
    view.rating_filter()->setCurrentIndex(0);
    view.tag_filter()->setCurrentIndex(0);
    QCOMPARE(model.rowCount(), 30);
    view.rating_filter()->setCurrentIndex(2);
    QCOMPARE(shown(), expect([](int i) { return i % 4 == 0 && 1 + i % 5 >= 2; }));
    view.rating_filter()->setCurrentIndex(0);

    // Collections.
    QCOMPARE(view.collection_filter()->count(), 2);
    view.collection_filter()->setCurrentIndex(1);
    QCOMPARE(shown(), expect([](int i) { return i == 2 || i == 3 || i == 21; }));
    view.collection_filter()->setCurrentIndex(0);

    // Dates: a preset, then a custom range with its date fields shown.
    view.date_filter()->setCurrentIndex(2);  // last 7 days
    QCOMPARE(shown(), expect([](int i) { return i <= 7; }));
    QVERIFY(!view.from_date()->isVisible());
    view.date_filter()->setCurrentIndex(view.date_filter()->count() - 1);  // date range
    QVERIFY(view.from_date()->isVisible() && view.to_date()->isVisible());
    view.from_date()->setDate(QDateTime::fromMSecsSinceEpoch(now - 20 * day - 1000).date());
    view.to_date()->setDate(QDateTime::fromMSecsSinceEpoch(now - 10 * day - 1000).date());
    QCOMPARE(shown(), expect([](int i) { return i >= 10 && i <= 20; }));
    view.date_filter()->setCurrentIndex(0);
    QCOMPARE(model.rowCount(), 30);

    // New tags appear in the filter after a refresh; a vanished choice falls back to "all".
    lib.set_tags(ids[1], {"night"});
    view.refresh_choices();
    QCOMPARE(view.tag_filter()->count(), 4);
    QCOMPARE(view.tag_filter()->findData(QString("night")), 3);
  }

  void highlighter_marks_weights_and_errors() {
    QPlainTextEdit edit;
    PromptHighlighter hl(edit.document());
    edit.setPlainText("a (red apple:1.3) [blurry] BREAK x) \\(lit\\)");
    QCoreApplication::processEvents();
    const QTextBlock block = edit.document()->firstBlock();
    const auto formats = block.layout()->formats();
    auto format_at = [&](int pos) {
      QTextCharFormat f;
      for (const auto& r : formats)
        if (pos >= r.start && pos < r.start + r.length) f = r.format;
      return f;
    };
    const QString text = block.text();
    QCOMPARE(format_at(int(text.indexOf("1.3"))).fontWeight(), int(QFont::Bold));          // weight
    QVERIFY(format_at(int(text.indexOf("red"))).foreground().color().isValid());           // emphasised
    QCOMPARE(format_at(int(text.indexOf("BREAK"))).fontWeight(), int(QFont::Bold));        // keyword
    QCOMPARE(format_at(int(text.indexOf("x)")) + 1).underlineStyle(), QTextCharFormat::WaveUnderline);  // unbalanced
    QVERIFY(format_at(int(text.indexOf("lit")) ).underlineStyle() != QTextCharFormat::WaveUnderline);  // escaped
  }

  void export_dialog_maps_format_and_depth() {
    ExportSettings in;
    in.format = imageio::Format::Png16;
    in.metadata = false;
    in.destination = "/tmp/x";
    ExportDialog dlg(3, in);
    ExportSettings out = dlg.settings();
    QCOMPARE(out.format, imageio::Format::Png16);
    QCOMPARE(out.metadata, false);
    QCOMPARE(out.destination, QString("/tmp/x"));
    if (imageio::format_available(imageio::Format::ExrHalf)) {
      in.format = imageio::Format::ExrHalf;
      dlg.set_settings(in);
      out = dlg.settings();
      QCOMPARE(out.format, imageio::Format::ExrHalf);
      QCOMPARE(out.metadata, false);  // every format can be written without metadata
    }
  }

  // The picker's check is the loader's (models/validate.h): a UNet config that disagrees with its weights is
  // named with the file, the key and both shapes; the intact model passes.
  // The mode menu offers the shipped model presets after the built-in modes; picking one fills the custom
  // settings (still editable), and a model file named like a Lightning UNet gets its preset offered.
  void prompt_panel_offers_model_presets() {
    const ModelPresetCatalog catalog = load_model_presets({RIPEN_PRESETS_SOURCE_DIR});
    QVERIFY(catalog.problems.empty());
    PromptPanel panel;
    panel.set_model_presets(catalog.presets);
    auto* mode = panel.findChild<QComboBox*>("mode");
    auto* offer = panel.findChild<QLabel*>("presetOffer");
    QVERIFY(mode && offer);
    QCOMPARE(mode->count(), 5 + 1 + int(catalog.presets.size()));  // built-ins, separator, presets
    const int i = mode->findData(QStringLiteral("sdxl-lightning-8step"));
    QVERIFY(i > 5);
    mode->setCurrentIndex(i);
    GenerationRequest r = panel.request();
    QCOMPARE(r.preset, Preset::Custom);
    QCOMPARE(r.model_preset, std::string("sdxl-lightning-8step"));
    QCOMPARE(r.sampler, std::string("euler"));
    QCOMPARE(r.schedule, std::string("sgm_uniform"));
    QCOMPARE(r.steps, 8);
    QCOMPARE(r.cfg, 1.0);
    QVERIFY(r.adaptive);
    QCOMPARE(r.width, 1024);
    // Reusing its settings selects the preset again, without overwriting what the request says.
    mode->setCurrentIndex(int(Preset::Fast));
    r.steps = 6;
    panel.set_request(r);
    QCOMPARE(mode->currentIndex(), i);
    QCOMPARE(panel.request().steps, 6);
    mode->setCurrentIndex(int(Preset::Quality));
    QVERIFY(panel.model_preset().isEmpty());
    QVERIFY(panel.request().model_preset.empty());
    // The offer for a model file that identifies a preset; choosing it selects the preset.
    panel.propose_model_preset(catalog.proposed_for("/models/unet/sdxl_lightning_4step_unet.safetensors"));
    QVERIFY(offer->isVisibleTo(&panel));
    QVERIFY2(offer->text().contains("SDXL-Lightning 4-step"), qPrintable(offer->text()));
    Q_EMIT offer->linkActivated("sdxl-lightning-4step");
    QCOMPARE(panel.model_preset(), QStringLiteral("sdxl-lightning-4step"));
    QVERIFY(!offer->isVisibleTo(&panel));
    panel.propose_model_preset(nullptr);
    QVERIFY(!offer->isVisibleTo(&panel));
  }

  // UNet-only and VAE files beside the checkpoint: picked into the request, restored from it, a refused file listed
  // but not selectable.
  void prompt_panel_unet_and_vae_pickers() {
    PromptPanel panel;
    auto* unet = panel.findChild<QComboBox*>("unet");
    auto* vae = panel.findChild<QComboBox*>("vae");
    QVERIFY(unet && vae);
    panel.set_component_files({{"sdxl_lightning_4step_unet.safetensors", "/m/unet/l4.safetensors", "sdxl", ""},
                               {"flux.safetensors", "/m/unet/flux.safetensors", "", "not an SD UNet"}},
                              {{"sdxl_vae_fp16_fix.safetensors", "/m/vae/fix.safetensors", "sd1/sd2/sdxl", ""}});
    QCOMPARE(unet->count(), 3);
    QVERIFY(panel.request().unet.empty());  // the model's own by default
    auto* items = qobject_cast<QStandardItemModel*>(unet->model());
    QVERIFY(items && !items->item(2)->isEnabled());
    QCOMPARE(unet->itemData(2, Qt::ToolTipRole).toString(), QStringLiteral("not an SD UNet"));
    unet->setCurrentIndex(1);
    vae->setCurrentIndex(1);
    GenerationRequest r = panel.request();
    QCOMPARE(r.unet, std::string("/m/unet/l4.safetensors"));
    QCOMPARE(r.vae, std::string("/m/vae/fix.safetensors"));
    unet->setCurrentIndex(0);
    r.vae = "/elsewhere/other_vae.safetensors";
    panel.set_request(r);
    QCOMPARE(panel.request().unet, std::string("/m/unet/l4.safetensors"));
    QCOMPARE(panel.request().vae, r.vae);
    QCOMPARE(vae->currentText(), QStringLiteral("other_vae.safetensors"));
  }

  void model_picker_names_a_malformed_model() {
    const QString tiny = test::tiny_model();
    if (tiny.isEmpty()) QSKIP("oracle model tiny-sd15 not found");
    QCOMPARE(model_problem(tiny), QString());
    namespace fs = std::filesystem;
    const fs::path copy = fs::path(tmp_.path().toStdString()) / "broken";
    fs::copy(tiny.toStdString(), copy, fs::copy_options::recursive);
    for (const auto& e : fs::recursive_directory_iterator(copy))
      fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
    fs::permissions(copy, fs::perms::owner_write, fs::perm_options::add);
    auto cfg = nlohmann::json::parse(std::ifstream(copy / "unet/config.json"));
    cfg["block_out_channels"] = {32, 96};
    std::ofstream(copy / "unet/config.json") << cfg.dump();
    const QString problem = model_problem(QString::fromStdString(copy.string()));
    QVERIFY2(problem.contains("unet/diffusion_pytorch_model.safetensors"), qPrintable(problem));
    QVERIFY2(problem.contains("expected [96, 32, 3, 3], file has [64, 32, 3, 3]"), qPrintable(problem));
  }

  // Draft is offered only for a model with a distilled student (student/student.json); the tooltip says why not.
  void prompt_panel_draft_needs_a_student() {
    namespace fs = std::filesystem;
    const fs::path model = fs::path(tmp_.path().toStdString()) / "with-student";
    fs::create_directories(model / "student");
    std::ofstream(model / "model_index.json") << "{}";
    PromptPanel panel;
    auto* mode = panel.findChild<QComboBox*>("mode");
    QVERIFY(mode);
    auto* draft = qobject_cast<QStandardItemModel*>(mode->model())->item(int(Preset::Draft));
    QCOMPARE(mode->itemText(int(Preset::Draft)), QStringLiteral("Draft"));
    const QString dir = QString::fromStdString(model.string());
    panel.set_student(student_availability(dir));
    QVERIFY(!draft->isEnabled());
    QVERIFY2(draft->toolTip().contains("ripen-cli train distill"), qPrintable(draft->toolTip()));

    std::ofstream(model / "student" / "lora.safetensors") << "";
    nlohmann::json j{{"format", "ripen-lcm-student"}, {"version", 1}, {"kind", "lora"}, {"time_cond_proj_dim", 0},
                     {"guidance", 8.0}};
    std::ofstream(model / "student" / "student.json") << j.dump();
    panel.set_student(student_availability(dir));
    QVERIFY(draft->isEnabled());
    mode->setCurrentIndex(int(Preset::Draft));
    QCOMPARE(panel.request().preset, Preset::Draft);

    j["colour"] = "red";  // unknown key: unavailable, naming the file and key
    std::ofstream(model / "student" / "student.json") << j.dump();
    panel.set_student(student_availability(dir));
    QVERIFY(!draft->isEnabled());
    QVERIFY2(draft->toolTip().contains("'colour'"), qPrintable(draft->toolTip()));
    QCOMPARE(mode->currentIndex(), int(Preset::Fast));  // a selected Draft falls back to Fast
  }
};

QTEST_MAIN(ModelsTest)
#include "test_ui_models.moc"
