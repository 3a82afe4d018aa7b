#include "ui/compare_view.h"

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QSlider>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <cmath>

namespace ripen::ui {

CompareCanvas::CompareCanvas(QWidget* parent) : QWidget(parent) {
  setMinimumSize(200, 150);
  setFocusPolicy(Qt::StrongFocus);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void CompareCanvas::set_images(const QImage& a, const QImage& b) {
  a_ = a.convertToFormat(QImage::Format_RGB888);
  b_ = (b.size() == a.size() ? b : b.scaled(a.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation))
           .convertToFormat(QImage::Format_RGB888);
  diff_ = QImage(a_.size(), QImage::Format_RGB888);
  for (int y = 0; y < a_.height(); ++y) {
    const uchar *pa = a_.constScanLine(y), *pb = b_.constScanLine(y);
    uchar* pd = diff_.scanLine(y);
    for (int x = 0; x < a_.width() * 3; ++x) pd[x] = uchar(std::min(255, 4 * std::abs(int(pa[x]) - int(pb[x]))));
  }
  zoom_ = 1.0;
  pan_ = {};
  update();
}

void CompareCanvas::set_mode(Mode m) {
  mode_ = m;
  update();
}
void CompareCanvas::set_swipe(double t) {
  swipe_ = std::clamp(t, 0.0, 1.0);
  update();
}
void CompareCanvas::set_zoom(double z) {
  zoom_ = std::clamp(z, 0.1, 32.0);
  update();
}

// Both images use the same fit-to-area scale times zoom, and the same pan, so they stay in register.
void CompareCanvas::draw(QPainter& p, const QImage& img, const QRect& area) {
  if (img.isNull()) return;
  const double fit = std::min(double(area.width()) / img.width(), double(area.height()) / img.height());
  const double s = fit * zoom_;
  const QSizeF sz(img.width() * s, img.height() * s);
  const QPointF topleft(area.center().x() - sz.width() / 2 + pan_.x(), area.center().y() - sz.height() / 2 + pan_.y());
  p.save();
  p.setClipRect(area);
  p.setRenderHint(QPainter::SmoothPixmapTransform, s < 2.0);
  p.drawImage(QRectF(topleft, sz), img);
  p.restore();
}

void CompareCanvas::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().base());
  if (a_.isNull()) return;
  switch (mode_) {
    case Mode::SideBySide: {
      QRect l(0, 0, width() / 2 - 2, height()), r(width() / 2 + 2, 0, width() - width() / 2 - 2, height());
      draw(p, a_, l);
      draw(p, b_, r);
      break;
    }
    case Mode::Swipe: {
      draw(p, a_, rect());
      const int x = int(swipe_ * width());
      p.save();
      p.setClipRect(QRect(x, 0, width() - x, height()));
      draw(p, b_, rect());
      p.restore();
      p.setPen(QPen(palette().highlight().color(), 2));
      p.drawLine(x, 0, x, height());
      break;
    }
    case Mode::Difference: draw(p, diff_, rect()); break;
  }
}

void CompareCanvas::wheelEvent(QWheelEvent* e) {
  set_zoom(zoom_ * std::pow(1.0015, e->angleDelta().y()));
  e->accept();
}
void CompareCanvas::mousePressEvent(QMouseEvent* e) { drag_ = e->pos(); }
void CompareCanvas::mouseMoveEvent(QMouseEvent* e) {
  if (mode_ == Mode::Swipe && (e->modifiers() & Qt::ShiftModifier)) {
    set_swipe(double(e->pos().x()) / std::max(1, width()));
    return;
  }
  pan_ += QPointF(e->pos() - drag_);
  drag_ = e->pos();
  update();
}
void CompareCanvas::keyPressEvent(QKeyEvent* e) {
  switch (e->key()) {
    case Qt::Key_Plus: case Qt::Key_Equal: set_zoom(zoom_ * 1.25); break;
    case Qt::Key_Minus: set_zoom(zoom_ / 1.25); break;
    case Qt::Key_0: zoom_ = 1; pan_ = {}; update(); break;
    case Qt::Key_Left: pan_ += QPointF(20, 0); update(); break;
    case Qt::Key_Right: pan_ -= QPointF(20, 0); update(); break;
    case Qt::Key_Up: pan_ += QPointF(0, 20); update(); break;
    case Qt::Key_Down: pan_ -= QPointF(0, 20); update(); break;
    default: QWidget::keyPressEvent(e);
  }
}

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
  setObjectName("CompareView");
  auto* lay = new QVBoxLayout(this);
  auto* bar = new QHBoxLayout;
  mode_label_ = new QLabel(this);
  mode_ = new QComboBox(this);
  mode_->setObjectName("compareMode");
  mode_->addItems({"", "", ""});
  mode_label_->setBuddy(mode_);
  swipe_label_ = new QLabel(this);
  swipe_ = new QSlider(Qt::Horizontal, this);
  swipe_->setObjectName("swipe");
  swipe_->setRange(0, 1000);
  swipe_->setValue(500);
  swipe_label_->setBuddy(swipe_);
  bar->addWidget(mode_label_);
  bar->addWidget(mode_);
  bar->addWidget(swipe_label_);
  bar->addWidget(swipe_, 1);
  lay->addLayout(bar);
  canvas_ = new CompareCanvas(this);
  lay->addWidget(canvas_, 1);
  info_ = new QLabel(this);
  info_->setObjectName("compareInfo");
  info_->setWordWrap(true);
  info_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  lay->addWidget(info_);
  connect(mode_, &QComboBox::currentIndexChanged, this, [this](int i) {
    canvas_->set_mode(CompareCanvas::Mode(i));
    swipe_->setEnabled(i == 1);
  });
  connect(swipe_, &QSlider::valueChanged, this, [this](int v) { canvas_->set_swipe(v / 1000.0); });
  swipe_->setEnabled(false);
  retranslate();
}

void CompareView::retranslate() {
  mode_label_->setText(tr("&View"));
  mode_->setItemText(0, tr("Side by side"));
  mode_->setItemText(1, tr("Swipe"));
  mode_->setItemText(2, tr("Difference (×4)"));
  swipe_label_->setText(tr("S&wipe"));
  mode_->setAccessibleName(tr("Compare view mode"));
  swipe_->setAccessibleName(tr("Swipe position"));
  canvas_->setAccessibleName(tr("Compared images"));
  canvas_->setToolTip(tr("Wheel or +/− zooms, drag or arrow keys pan, 0 resets"));
  info_->setText(summary());
}

void CompareView::changeEvent(QEvent* e) {
  if (e->type() == QEvent::LanguageChange) retranslate();
  QWidget::changeEvent(e);
}

QString CompareView::summary() const {
  const auto& d = data_;
  if (!d.a) return tr("Select two images and choose Compare, or promote a draft.");
  QString s = tr("A: %1 — %2 s, %3 steps    B: %4 — %5 s, %6 steps")
                  .arg(d.label_a)
                  .arg(d.seconds_a, 0, 'f', 2)
                  .arg(d.steps_a)
                  .arg(d.label_b)
                  .arg(d.seconds_b, 0, 'f', 2)
                  .arg(d.steps_b);
  if (d.ssim >= 0) s += "\n" + tr("Equivalence (SSIM): %1").arg(d.ssim, 0, 'f', 4);
  if (d.seconds_b > 0 && d.seconds_a > 0)
    s += "    " + tr("Time ratio B/A: %1×").arg(d.seconds_b / d.seconds_a, 0, 'f', 2);
  if (!d.error.isEmpty()) s += "\n" + d.error;
  return s;
}

void CompareView::show_pair(const CompareData& d) {
  data_ = d;
  canvas_->set_images(d.image_a, d.image_b);
  info_->setText(summary());
}

}  // namespace ripen::ui
