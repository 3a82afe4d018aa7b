// The studio over the engine's model catalogue: the tree model (kinds, architecture, refusals greyed with the
// reason as tooltip, the roots' problems), the picker's disabled entries, the Models dialog, the new settings.
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPalette>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTreeView>
#include <QtTest>

#include "../models/catalogue_tree.h"
#include "ui/catalogue_dialog.h"
#include "ui/catalogue_model.h"
#include "ui/main_window.h"
#include "ui/prompt_panel.h"
#include "ui/settings_dialog.h"
#include "ui_test_util.h"

using namespace ripen;
using namespace ripen::ui;
namespace fs = std::filesystem;

namespace {
QString oracle_dir() {
  QString dir = qEnvironmentVariable("RIPEN_ORACLE_DIR");
  if (dir.isEmpty()) dir = QStringLiteral(RIPEN_ORACLE_DEFAULT);
  return QFileInfo::exists(dir + "/tiny-sd15-ldm.safetensors") ? QDir(dir).canonicalPath() : QString();
}

// The row below `group` whose Name column reads `name`.
QModelIndex row_named(const CatalogueModel& m, const QModelIndex& group, const QString& name) {
  for (int r = 0; r < m.rowCount(group); ++r)
    if (m.index(r, CatalogueModel::Name, group).data().toString() == name) return m.index(r, CatalogueModel::Name, group);
  return {};
}
}  // namespace

class CatalogueTest : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  QString a1111_;

 private Q_SLOTS:
  void initTestCase() {
    ripen::ui::test::isolate_settings(tmp_.filePath("settings"));
    const QString oracle = oracle_dir();
    if (oracle.isEmpty()) QSKIP("oracle fixtures not found (set RIPEN_ORACLE_DIR)");
    a1111_ = QString::fromStdString(
        ripen::test::catalogue_tree::make_a1111(oracle.toStdString(), tmp_.path().toStdString()).string());
  }

  void model_groups_the_catalogue_by_kind() {
    AppSettings s;
    s.install_folders = {a1111_};
    CatalogueModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.set_catalogue(scan_catalogue(s));
    QCOMPARE(m.rowCount(), int(std::size(models::kAllModelKinds)));  // no problems group: the tree is clean
    QVERIFY(!m.problems_group().isValid());
    const QModelIndex ckpts = m.group(models::ModelKind::Checkpoint);
    QCOMPARE(ckpts.data().toString(), QStringLiteral("Checkpoints (5)"));
    const QModelIndex xl = row_named(m, ckpts, "XL/tiny-sdxl");
    QVERIFY(xl.isValid());
    QCOMPARE(xl.siblingAtColumn(CatalogueModel::Architecture).data().toString(), QStringLiteral("SDXL"));
    QCOMPARE(xl.siblingAtColumn(CatalogueModel::Status).data().toString(), QStringLiteral("Ready"));
    QVERIFY(xl.data(CatalogueModel::UsableRole).toBool());
    const QModelIndex ckpt = row_named(m, ckpts, "old-model.ckpt");
    QVERIFY(ckpt.isValid());
    QVERIFY(!ckpt.data(CatalogueModel::UsableRole).toBool());
    QVERIFY(ckpt.data(Qt::ToolTipRole).toString().startsWith("not loadable: pickle"));
    QCOMPARE(ckpt.siblingAtColumn(CatalogueModel::Status).data().toString(), QStringLiteral("not loadable: pickle"));
    QCOMPARE(ckpt.data(Qt::ForegroundRole).value<QBrush>(), QApplication::palette().brush(QPalette::Disabled, QPalette::Text));
    const QModelIndex taesd = row_named(m, m.group(models::ModelKind::PreviewDecoder), "taesd_decoder.safetensors");
    QCOMPARE(taesd.siblingAtColumn(CatalogueModel::Architecture).data().toString(), QStringLiteral("SD 1.x / SD 2.x"));
    QCOMPARE(m.rowCount(m.group(models::ModelKind::Unet)), 0);  // A1111 has no UNet-only folder
  }

  void problems_get_a_group_of_their_own() {
    AppSettings s;
    s.install_folders = {a1111_, tmp_.filePath("nowhere")};
    s.extra_model_paths = tmp_.filePath("missing.yaml");
    CatalogueModel m;
    m.set_catalogue(scan_catalogue(s));
    const QModelIndex p = m.problems_group();
    QVERIFY(p.isValid());
    QCOMPARE(m.rowCount(p), 2);
    QVERIFY(m.index(0, 0, p).data().toString().contains(tmp_.filePath("nowhere")));
    QVERIFY(m.index(1, 0, p).data().toString().contains("missing.yaml"));
    QCOMPARE(m.rowCount(m.group(models::ModelKind::Checkpoint)), 5);  // the rest still lists
  }

  void picker_greys_out_unusable_checkpoints() {
    AppSettings s;
    s.install_folders = {a1111_};
    const QList<ModelEntry> entries = catalogue_entries(scan_catalogue(s));
    QCOMPARE(entries.size(), 5);
    PromptPanel panel;
    panel.set_models(entries, "embedded", true);
    auto* combo = panel.findChild<QComboBox*>("model");
    auto* items = qobject_cast<QStandardItemModel*>(combo->model());
    QVERIFY(combo && items);
    QCOMPARE(combo->count(), 6);  // the embedded default first
    int disabled = 0;
    for (int i = 1; i < combo->count(); ++i) {
      const QString path = combo->itemData(i).toString();
      const bool enabled = items->item(i)->isEnabled();
      disabled += enabled ? 0 : 1;
      if (path.endsWith("old-model.ckpt")) {
        QVERIFY(!enabled);
        QVERIFY(combo->itemData(i, Qt::ToolTipRole).toString().startsWith("not loadable: pickle"));
      }
      if (path.endsWith("tiny-sd15-ldm.safetensors")) {
        QVERIFY(enabled);
        QCOMPARE(combo->itemText(i), QStringLiteral("tiny-sd15-ldm.safetensors  ·  SD 1.x"));
      }
    }
    QCOMPARE(disabled, 2);  // the pickle and the truncated file
  }

  void settings_remember_installs_and_extra_paths() {
    AppSettings s;
    s.install_folders = {a1111_};
    s.extra_model_paths = "/somewhere/extra_model_paths.yaml";
    SettingsDialog dlg(s);
    QCOMPARE(dlg.installs()->count(), 1);
    QCOMPARE(dlg.extra_model_paths()->text(), s.extra_model_paths);
    dlg.installs()->addItem("/opt/ComfyUI");
    dlg.extra_model_paths()->setText("  /other.yaml ");
    AppSettings edited = dlg.settings();
    QCOMPARE(edited.install_folders, QStringList({a1111_, "/opt/ComfyUI"}));
    QCOMPARE(edited.extra_model_paths, QStringLiteral("/other.yaml"));
    {
      QSettings store;
      edited.save(store);
    }
    QSettings store;
    QVERIFY(AppSettings::load(store) == edited);
  }

  void dialog_shows_the_whole_catalogue() {
    AppSettings s;
    s.install_folders = {a1111_};
    int scans = 0;
    CatalogueDialog dlg([&] {
      ++scans;
      return scan_catalogue(s);
    });
    QCOMPARE(scans, 1);
    QTreeView* tree = dlg.findChild<QTreeView*>("catalogueTree");
    QVERIFY(tree && tree->model() == dlg.model());
    QVERIFY(tree->isExpanded(dlg.model()->group(models::ModelKind::Checkpoint)));
    QVERIFY(dlg.findChild<QLabel*>("catalogueSummary")->text().startsWith("10 file(s) found, 4 not usable, 0 problem"));
    dlg.findChild<QPushButton*>("catalogueRescan")->click();
    QCOMPARE(scans, 2);
  }

  void studio_picker_follows_the_install_setting() {
    {
      QSettings st;
      st.setValue("library/dir", tmp_.filePath("lib"));
      st.setValue("models/current", "embedded");
      for (const char* k : {"models/installs", "models/extra_model_paths", "models/folders"}) st.remove(k);
    }
    MainWindow w;
    auto* combo = w.prompt_panel()->findChild<QComboBox*>("model");
    QCOMPARE(combo->count(), 1);  // the embedded default only
    AppSettings s = w.controller()->settings();
    s.install_folders = {a1111_};
    w.apply_settings(s);
    QCOMPARE(combo->count(), 6);
    QCOMPARE(QSettings().value("models/installs").toStringList(), QStringList{a1111_});
    CatalogueDialog* dlg = w.open_models();
    QCOMPARE(dlg->model()->catalogue().entries.size(), size_t(10));
    dlg->close();
  }
};

QTEST_MAIN(CatalogueTest)
#include "test_ui_catalogue.moc"
