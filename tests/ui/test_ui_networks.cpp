// LoRA networks in the studio: the prompt panel's active list (weights, removal, request round trip) and the
// seed kept when only a network's weight changed between two runs.
#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QToolButton>
#include <QtTest>

#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QTemporaryDir>
#include <fstream>

#include "tensors/safetensors.h"
#include "ui/active_networks.h"
#include "ui/network_list_model.h"
#include "ui/networks_panel.h"
#include "ui/prompt_panel.h"

using namespace ripen;
using namespace ripen::ui;

namespace {
NetworkRef net(const char* name, double w) {
  NetworkRef n;
  n.name = name;
  n.path = std::string("/loras/") + name + ".safetensors";
  n.te = n.unet = w;
  return n;
}
// A small kohya-style LoRA file with the metadata the panel shows.
void write_lora(const QString& path, const std::map<std::string, std::string>& metadata) {
  ripen::save_safetensors(path.toStdString(),
                          {{"lora_unet_mid_block_attentions_0_proj_in.lora_down.weight", at::zeros({4, 32})},
                           {"lora_unet_mid_block_attentions_0_proj_in.lora_up.weight", at::zeros({32, 4})}},
                          metadata);
}
}  // namespace

class NetworksTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void active_list_edits_weights_and_removes() {
    ActiveNetworks a;
    QSignalSpy changed(&a, &ActiveNetworks::changed);
    a.add(net("style", 0.8));
    a.add(net("character", 1.0));
    QCOMPARE(a.networks().size(), size_t(2));
    a.add(net("style", 0.5));  // the same file again: its weight, not a second row
    QCOMPARE(a.networks().size(), size_t(2));
    QCOMPARE(a.networks()[0].unet, 0.5);
    auto* spin = a.findChild<QDoubleSpinBox*>("networkWeight1");
    QVERIFY(spin);
    spin->setValue(0.3);
    QCOMPARE(a.networks()[1].te, 0.3);
    QCOMPARE(a.networks()[1].unet, 0.3);
    a.remove(0);
    QCOMPARE(a.networks().size(), size_t(1));
    QCOMPARE(a.networks()[0].name, std::string("character"));
    QVERIFY(changed.count() >= 5);
  }

  void split_multipliers_are_shown_until_the_weight_moves() {
    ActiveNetworks a;
    NetworkRef n = net("detail", 0.7);
    n.te = 0.0;  // ComfyUI's LoraLoaderModelOnly
    a.set_networks({n});
    bool shown = false;
    for (auto* l : a.findChildren<QLabel*>())
      if (l->text().contains("text 0.00") && !l->isHidden()) shown = true;
    QVERIFY(shown);
    QCOMPARE(a.networks()[0].te, 0.0);
  }

  void panel_lists_searches_and_adds();

  void panel_request_carries_the_networks_and_keeps_the_seed_for_weight_changes() {
    PromptPanel p;
    p.set_seed_mode(PromptPanel::SeedMode::Random);
    p.networks()->add(net("style", 0.8));
    const GenerationRequest first = p.take_request();
    QCOMPARE(first.networks.size(), size_t(1));
    p.networks()->set_weight(0, 0.4);
    const GenerationRequest second = p.take_request();
    QCOMPARE(second.networks[0].unet, 0.4);
    QCOMPARE(second.seed, first.seed);  // only the weight changed
    p.networks()->add(net("character", 1.0));
    QCOMPARE(p.take_request().seed, first.seed);  // adding a network is a network change too
    // Any other change draws a new seed again (a random 31-bit seed repeating is a one-in-2^31 event).
    p.prompt_edit()->setPlainText("another prompt");
    QVERIFY(p.take_request().seed != first.seed);
    // Reuse settings brings the networks back.
    p.set_request(first);
    QCOMPARE(p.request().networks, first.networks);
  }
};

void NetworksTest::panel_lists_searches_and_adds() {
  QTemporaryDir dir;
  QDir(dir.path()).mkpath("styles");
  write_lora(dir.filePath("styles/ink.safetensors"),
             {{"ss_tag_frequency", R"({"10_ink": {"ink wash": 12, "monochrome": 30}})"},
              {"ss_base_model_version", "sdxl_base_v1-0"}, {"ss_output_name", "inkwash"}});
  write_lora(dir.filePath("film.safetensors"), {});
  QImage preview(32, 32, QImage::Format_RGB32);
  preview.fill(Qt::red);
  QVERIFY(preview.save(dir.filePath("film.preview.png")));
  std::ofstream(dir.filePath("old.pt").toStdString()) << "not unpickled";
  lora::NetworkFolders folders;
  folders.lora = {dir.path().toStdString()};
  NetworksPanel panel([&](lora::NetworkKind k) { return lora::list_networks(folders, k); });
  panel.resize(360, 600);
  panel.rescan();
  QCOMPARE(panel.model()->rowCount(), 3);
  auto* list = panel.findChild<QListView*>("networkList");
  // The search matches trigger words too.
  panel.search()->setText("monochrome");
  QCOMPARE(list->model()->rowCount(), 1);
  panel.search()->clear();
  int ink = -1, film = -1, pickle = -1;
  for (int r = 0; r < 3; ++r) {
    const auto* n = panel.model()->at(r);
    if (n->name == "ink") ink = r;
    if (n->name == "film") film = r;
    if (n->name == "old") pickle = r;
  }
  QVERIFY(ink >= 0 && film >= 0 && pickle >= 0);
  QCOMPARE(panel.model()->index(ink).data().toString(), QString("ink (inkwash)"));
  QVERIFY(!panel.model()->index(film).data(Qt::DecorationRole).isNull());  // the preview beside the file
  QVERIFY(!panel.model()->index(pickle).data(NetworkListModel::UsableRole).toBool());

  panel.set_model_arch("sd1");
  panel.select_row(ink);
  QVERIFY(panel.findChild<QLabel*>("networkTags")->text().startsWith("<a href=\"monochrome\">"));
  QVERIFY(panel.findChild<QLabel*>("networkBase")->text().contains("the current model is sd1"));
  QSignalSpy added(&panel, &NetworksPanel::add_network);
  panel.findChild<QDoubleSpinBox*>("networkAddWeight")->setValue(0.6);
  panel.findChild<QPushButton*>("networkAdd")->click();
  QCOMPARE(added.count(), 1);
  const auto ref = added.front().front().value<NetworkRef>();
  QCOMPARE(ref.name, std::string("ink"));
  QCOMPARE(ref.unet, 0.6);
  QVERIFY(QString::fromStdString(ref.path).endsWith("styles/ink.safetensors"));
  QSignalSpy inserted(&panel, &NetworksPanel::insert_into_prompt);
  panel.findChild<QLabel*>("networkTags")->linkActivated("ink wash");
  QCOMPARE(inserted.front().front().toString(), QString("ink wash"));

  panel.select_row(pickle);  // listed with its reason, not addable
  QVERIFY(!panel.findChild<QPushButton*>("networkAdd")->isEnabled());
  QVERIFY(!panel.findChild<QLabel*>("networkProblem")->text().isEmpty());
}

QTEST_MAIN(NetworksTest)
#include "test_ui_networks.moc"
