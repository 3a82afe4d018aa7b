#include "ui/active_networks.h"

#include <QDoubleSpinBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>

namespace ripen::ui {
namespace {
constexpr double kMaxWeight = 2.0;  // A1111's slider range; typed values may go further
}

ActiveNetworks::ActiveNetworks(QWidget* parent) : QWidget(parent) {
  setObjectName("activeNetworks");
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(0, 0, 0, 0);
  empty_ = new QLabel(this);
  empty_->setWordWrap(true);
  lay->addWidget(empty_);
  rows_ = new QVBoxLayout;
  lay->addLayout(rows_);
  rebuild();
}

void ActiveNetworks::set_networks(const std::vector<NetworkRef>& networks) {
  networks_ = networks;
  rebuild();
  Q_EMIT changed();
}

void ActiveNetworks::add(const NetworkRef& n) {
  for (auto& have : networks_)
    if ((!n.path.empty() && have.path == n.path) || (n.path.empty() && have.name == n.name)) {
      have.te = n.te;
      have.unet = n.unet;
      rebuild();
      Q_EMIT changed();
      return;
    }
  networks_.push_back(n);
  rebuild();
  Q_EMIT changed();
}

void ActiveNetworks::remove(int row) {
  if (row < 0 || row >= int(networks_.size())) return;
  networks_.erase(networks_.begin() + row);
  rebuild();
  Q_EMIT changed();
}

void ActiveNetworks::set_weight(int row, double w) {
  if (row < 0 || row >= int(networks_.size())) return;
  networks_[size_t(row)].te = networks_[size_t(row)].unet = w;
  Q_EMIT changed();
}

void ActiveNetworks::rebuild() {
  while (QLayoutItem* item = rows_->takeAt(0)) {
    if (QLayout* l = item->layout()) {  // a row: the item is the layout itself
      while (QLayoutItem* c = l->takeAt(0)) {
        delete c->widget();
        delete c;
      }
      delete l;
    } else {
      delete item->widget();
      delete item;
    }
  }
  empty_->setText(tr("No LoRA. Add one from the Networks panel, or write <lora:name:weight> in the prompt."));
  empty_->setVisible(networks_.empty());
  for (int i = 0; i < int(networks_.size()); ++i) {
    const NetworkRef& n = networks_[size_t(i)];
    auto* row = new QHBoxLayout;
    auto* name = new QLabel(QString::fromStdString(n.name), this);
    name->setObjectName(QStringLiteral("networkName%1").arg(i));
    name->setToolTip(QString::fromStdString(n.path) +
                     (n.hash.empty() ? QString() : QStringLiteral("\n%1").arg(QString::fromStdString(n.hash))));
    name->setMinimumWidth(60);
    auto* slider = new QSlider(Qt::Horizontal, this);
    slider->setRange(int(-kMaxWeight * 100), int(kMaxWeight * 100));
    slider->setValue(int(std::lround(n.unet * 100)));
    slider->setAccessibleName(tr("Weight of %1").arg(QString::fromStdString(n.name)));
    auto* spin = new QDoubleSpinBox(this);
    spin->setObjectName(QStringLiteral("networkWeight%1").arg(i));
    spin->setRange(-10, 10);
    spin->setSingleStep(0.05);
    spin->setDecimals(2);
    spin->setValue(n.unet);
    spin->setAccessibleName(tr("Weight of %1").arg(QString::fromStdString(n.name)));
    auto* split = new QLabel(this);
    if (n.te != n.unet) split->setText(tr("text %1").arg(n.te, 0, 'f', 2));
    split->setToolTip(tr("Text-encoder multiplier; moving the weight sets both"));
    split->setVisible(n.te != n.unet);
    auto* remove_button = new QToolButton(this);
    remove_button->setText(QStringLiteral("×"));
    remove_button->setToolTip(tr("Remove %1").arg(QString::fromStdString(n.name)));
    row->addWidget(name, 1);
    row->addWidget(slider, 2);
    row->addWidget(spin);
    row->addWidget(split);
    row->addWidget(remove_button);
    rows_->addLayout(row);
    connect(slider, &QSlider::valueChanged, spin, [spin](int v) { spin->setValue(v / 100.0); });
    connect(spin, &QDoubleSpinBox::valueChanged, this, [this, i, slider, split](double v) {
      const QSignalBlocker block(slider);
      slider->setValue(int(std::lround(std::clamp(v, -kMaxWeight, kMaxWeight) * 100)));
      split->setVisible(false);
      set_weight(i, v);
    });
    connect(remove_button, &QToolButton::clicked, this, [this, i] { remove(i); }, Qt::QueuedConnection);
  }
}

void ActiveNetworks::changeEvent(QEvent* e) {
  if (e->type() == QEvent::LanguageChange) rebuild();
  QWidget::changeEvent(e);
}

}  // namespace ripen::ui
