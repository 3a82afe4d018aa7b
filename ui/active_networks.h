#pragma once
// The LoRAs the next run merges, on the prompt panel: one row per network with its weight (a slider and a spin
// box; the text-encoder and UNet multipliers move together unless the network came in with two different ones,
// which the row then shows) and a remove button. Networks written as <lora:…> tags stay in the prompt text.
#include <QWidget>
#include <vector>

#include "pipeline/request.h"

class QVBoxLayout;
class QLabel;

namespace ripen::ui {

class ActiveNetworks : public QWidget {
  Q_OBJECT
 public:
  explicit ActiveNetworks(QWidget* parent = nullptr);
  void set_networks(const std::vector<NetworkRef>& networks);
  const std::vector<NetworkRef>& networks() const { return networks_; }
  void add(const NetworkRef& n);  // a network already listed (same file) gets the new weight instead
  void remove(int row);
  void set_weight(int row, double w);  // both multipliers

 Q_SIGNALS:
  void changed();

 protected:
  void changeEvent(QEvent* e) override;

 private:
  void rebuild();
  std::vector<NetworkRef> networks_;
  QVBoxLayout* rows_;
  QLabel* empty_;
};

}  // namespace ripen::ui
