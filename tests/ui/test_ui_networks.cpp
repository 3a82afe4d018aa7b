// LoRA networks in the studio: the prompt panel's active list (weights, removal, request round trip) and the
// seed kept when only a network's weight changed between two runs.
#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QToolButton>
#include <QtTest>

#include "ui/active_networks.h"
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

QTEST_MAIN(NetworksTest)
#include "test_ui_networks.moc"
