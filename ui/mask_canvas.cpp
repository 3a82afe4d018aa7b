#include "ui/mask_canvas.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QRadialGradient>
#include <cmath>

namespace ripen::ui {
namespace {
constexpr size_t kUndoDepth = 30;
constexpr int kOutpaintStep = 8;  // margins stay multiples of the latent cell
const QColor kTint(235, 64, 52, 140);

QImage blank_alpha(QSize size) {
  QImage a(size, QImage::Format_ARGB32_Premultiplied);
  a.fill(Qt::transparent);
  return a;
}

QBrush hatch_brush() {
  QBrush b(QColor(128, 128, 128, 160), Qt::BDiagPattern);
  return b;
}
}  // namespace

MaskCanvas::MaskCanvas(QWidget* parent) : QWidget(parent) {
  setFocusPolicy(Qt::StrongFocus);
  setMinimumSize(160, 160);
}

void MaskCanvas::set_image(const QImage& image) {
  image_ = image.convertToFormat(QImage::Format_RGB32);
  alpha_ = blank_alpha(image_.size());
  margins_ = {};
  undo_.clear();
  update();
  Q_EMIT mask_changed();
}

QImage MaskCanvas::mask() const {
  QImage m(alpha_.size(), QImage::Format_Grayscale8);
  for (int y = 0; y < alpha_.height(); ++y) {
    auto* src = reinterpret_cast<const QRgb*>(alpha_.constScanLine(y));
    uchar* dst = m.scanLine(y);
    for (int x = 0; x < alpha_.width(); ++x) dst[x] = uchar(qAlpha(src[x]));
  }
  return m;
}

void MaskCanvas::set_mask(const QImage& mask) {
  if (image_.isNull()) return;
  push_undo();
  const QImage m = mask.size() == image_.size() ? mask : mask.scaled(image_.size(), Qt::IgnoreAspectRatio,
                                                                      Qt::SmoothTransformation);
  const bool alpha = m.hasAlphaChannel();
  const QImage src = m.convertToFormat(QImage::Format_ARGB32);
  for (int y = 0; y < src.height(); ++y) {
    auto* s = reinterpret_cast<const QRgb*>(src.constScanLine(y));
    auto* d = reinterpret_cast<QRgb*>(alpha_.scanLine(y));
    for (int x = 0; x < src.width(); ++x) {
      const int v = alpha ? qAlpha(s[x]) : qGray(s[x]);
      d[x] = qPremultiply(qRgba(255, 255, 255, v));
    }
  }
  update();
  Q_EMIT mask_changed();
}

bool MaskCanvas::mask_empty() const {
  for (int y = 0; y < alpha_.height(); ++y) {
    auto* s = reinterpret_cast<const QRgb*>(alpha_.constScanLine(y));
    for (int x = 0; x < alpha_.width(); ++x)
      if (qAlpha(s[x]) != 0) return false;
  }
  return true;
}

void MaskCanvas::set_outpaint(const QMargins& m) {
  auto snap = [](int v) { return std::max(0, (v + kOutpaintStep / 2) / kOutpaintStep * kOutpaintStep); };
  const QMargins s(snap(m.left()), snap(m.top()), snap(m.right()), snap(m.bottom()));
  if (s == margins_) return;
  margins_ = s;
  update();
  Q_EMIT outpaint_changed(margins_);
}

void MaskCanvas::push_undo() {
  undo_.push_back({alpha_, margins_});
  if (undo_.size() > kUndoDepth) undo_.erase(undo_.begin());
}

void MaskCanvas::invert() {
  if (image_.isNull()) return;
  push_undo();
  for (int y = 0; y < alpha_.height(); ++y) {
    auto* d = reinterpret_cast<QRgb*>(alpha_.scanLine(y));
    for (int x = 0; x < alpha_.width(); ++x) d[x] = qPremultiply(qRgba(255, 255, 255, 255 - qAlpha(d[x])));
  }
  update();
  Q_EMIT mask_changed();
}

void MaskCanvas::clear() {
  if (image_.isNull()) return;
  push_undo();
  alpha_.fill(Qt::transparent);
  update();
  Q_EMIT mask_changed();
}

bool MaskCanvas::undo() {
  if (undo_.empty()) return false;
  const bool margins_differ = undo_.back().margins != margins_;
  alpha_ = undo_.back().alpha;
  margins_ = undo_.back().margins;
  undo_.pop_back();
  update();
  Q_EMIT mask_changed();
  if (margins_differ) Q_EMIT outpaint_changed(margins_);
  return true;
}

QRectF MaskCanvas::canvas_rect() const {
  const QSizeF full(image_.width() + margins_.left() + margins_.right(),
                    image_.height() + margins_.top() + margins_.bottom());
  const double s = scale();
  const QSizeF shown = full * s;
  return {QPointF((width() - shown.width()) / 2, (height() - shown.height()) / 2), shown};
}

double MaskCanvas::scale() const {
  const double w = image_.width() + margins_.left() + margins_.right();
  const double h = image_.height() + margins_.top() + margins_.bottom();
  if (w <= 0 || h <= 0) return 1;
  return std::min(width() / w, height() / h);
}

QPointF MaskCanvas::to_widget(QPointF p) const {
  const QRectF r = canvas_rect();
  return r.topLeft() + (p + QPointF(margins_.left(), margins_.top())) * scale();
}

QPointF MaskCanvas::to_image(QPointF p) const {
  const QRectF r = canvas_rect();
  return (p - r.topLeft()) / scale() - QPointF(margins_.left(), margins_.top());
}

void MaskCanvas::dab(QPointF c) {
  QPainter p(&alpha_);
  p.setRenderHint(QPainter::Antialiasing);
  const double r = brush_size_ / 2.0;
  QRadialGradient g(c, r);
  g.setColorAt(0, Qt::white);
  g.setColorAt(std::min(hardness_, 0.999), Qt::white);
  g.setColorAt(1, QColor(255, 255, 255, 0));
  if (tool_ == Tool::Eraser) p.setCompositionMode(QPainter::CompositionMode_DestinationOut);
  p.setPen(Qt::NoPen);
  p.setBrush(g);
  p.drawEllipse(c, r, r);
}

void MaskCanvas::stroke_to(QPointF to) {
  // Dabs a quarter-brush apart along the segment, so a fast drag leaves a continuous stroke.
  const QPointF d = to - last_;
  const double len = std::hypot(d.x(), d.y());
  const double spacing = std::max(1.0, brush_size_ / 4.0);
  const int n = std::max(1, int(std::ceil(len / spacing)));
  for (int i = 1; i <= n; ++i) dab(last_ + d * (double(i) / n));
  last_ = to;
}

void MaskCanvas::mousePressEvent(QMouseEvent* e) {
  if (image_.isNull() || e->button() != Qt::LeftButton) return;
  const QPointF p = to_image(e->position());
  if (tool_ == Tool::Outpaint) {
    // The side whose edge is nearest the press.
    const double dist[4] = {std::abs(p.x()), std::abs(p.x() - image_.width()), std::abs(p.y()),
                            std::abs(p.y() - image_.height())};
    drag_side_ = int(std::min_element(dist, dist + 4) - dist);
    drag_start_ = e->position();
    drag_scale_ = scale();
    const int current[4] = {margins_.left(), margins_.right(), margins_.top(), margins_.bottom()};
    drag_margin_ = current[drag_side_];
    push_undo();
    return;
  }
  push_undo();
  stroking_ = true;
  last_ = p;
  dab(p);
  update();
}

void MaskCanvas::mouseMoveEvent(QMouseEvent* e) {
  if (image_.isNull()) return;
  if (drag_side_ >= 0) {
    // Measured in widget pixels at the scale of the press: the canvas re-fits as the margins grow.
    const QPointF delta = (e->position() - drag_start_) / drag_scale_;
    const double outward[4] = {-delta.x(), delta.x(), -delta.y(), delta.y()};
    QMargins m = margins_;
    const int v = std::max(0, drag_margin_ + int(outward[drag_side_]));
    if (drag_side_ == 0) m.setLeft(v);
    if (drag_side_ == 1) m.setRight(v);
    if (drag_side_ == 2) m.setTop(v);
    if (drag_side_ == 3) m.setBottom(v);
    set_outpaint(m);
    return;
  }
  if (!stroking_) return;
  stroke_to(to_image(e->position()));
  update();
}

void MaskCanvas::mouseReleaseEvent(QMouseEvent*) {
  if (drag_side_ >= 0) {
    drag_side_ = -1;
    if (!undo_.empty() && undo_.back().margins == margins_) undo_.pop_back();  // a click that changed nothing
    return;
  }
  if (!stroking_) return;
  stroking_ = false;
  Q_EMIT mask_changed();
}

bool MaskCanvas::event(QEvent* e) {
  if (e->type() == QEvent::ShortcutOverride) {
    auto* k = static_cast<QKeyEvent*>(e);
    if (k->matches(QKeySequence::Undo) || k->key() == Qt::Key_BracketLeft || k->key() == Qt::Key_BracketRight) {
      e->accept();
      return true;
    }
  }
  return QWidget::event(e);
}

void MaskCanvas::keyPressEvent(QKeyEvent* e) {
  if (e->matches(QKeySequence::Undo)) {
    undo();
  } else if (e->key() == Qt::Key_BracketLeft) {
    set_brush_size(int(brush_size_ / 1.25));
    Q_EMIT brush_size_changed(brush_size_);
  } else if (e->key() == Qt::Key_BracketRight) {
    set_brush_size(int(brush_size_ * 1.25) + 1);
    Q_EMIT brush_size_changed(brush_size_);
  } else {
    QWidget::keyPressEvent(e);
  }
}

QImage MaskCanvas::composite() const {
  const QSize full(image_.width() + margins_.left() + margins_.right(),
                   image_.height() + margins_.top() + margins_.bottom());
  QImage out(full, QImage::Format_RGB32);
  out.fill(QColor(96, 96, 96));
  QPainter p(&out);
  p.fillRect(out.rect(), hatch_brush());
  p.drawImage(QPoint(margins_.left(), margins_.top()), image_);
  QImage tint = alpha_;
  QPainter tp(&tint);
  tp.setCompositionMode(QPainter::CompositionMode_SourceIn);
  tp.fillRect(tint.rect(), kTint);
  tp.end();
  p.drawImage(QPoint(margins_.left(), margins_.top()), tint);
  return out;
}

void MaskCanvas::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().window());
  if (image_.isNull()) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, tr("Open or drop a picture to start from"));
    return;
  }
  p.setRenderHint(QPainter::SmoothPixmapTransform);
  p.drawImage(canvas_rect(), composite());
  p.setPen(QPen(palette().color(QPalette::Highlight), 1, Qt::DashLine));
  p.drawRect(QRectF(to_widget({0, 0}), to_widget(QPointF(image_.width(), image_.height()))));
}

}  // namespace ripen::ui
