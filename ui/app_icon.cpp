#include "ui/app_icon.h"

#include <QPainter>
#include <QPainterPath>
#include <QRadialGradient>

namespace ripen::ui {

// Drawn on a 256 unit grid, matching packaging/ripen.svg.
QImage app_icon_image(int size) {
  QImage img(size, size, QImage::Format_ARGB32_Premultiplied);
  img.fill(Qt::transparent);
  QPainter p(&img);
  p.setRenderHint(QPainter::Antialiasing);
  p.scale(size / 256.0, size / 256.0);
  // Rounded tile.
  QLinearGradient bg(0, 0, 0, 256);
  bg.setColorAt(0, QColor("#2b2d42"));
  bg.setColorAt(1, QColor("#1b1c2b"));
  p.setPen(Qt::NoPen);
  p.setBrush(bg);
  p.drawRoundedRect(QRectF(8, 8, 240, 240), 48, 48);
  // Fruit: half green (draft), half orange-red (ripe).
  QRadialGradient ripe(110, 110, 120);
  ripe.setColorAt(0, QColor("#ffb347"));
  ripe.setColorAt(1, QColor("#e8452c"));
  p.setBrush(ripe);
  p.drawEllipse(QPointF(128, 146), 80, 80);
  QPainterPath left;
  left.addEllipse(QPointF(128, 146), 80, 80);
  QPainterPath half;
  half.addRect(QRectF(48, 60, 80, 180));
  QRadialGradient raw(90, 120, 110);
  raw.setColorAt(0, QColor("#b9e26b"));
  raw.setColorAt(1, QColor("#5c9e31"));
  p.setBrush(raw);
  p.drawPath(left.intersected(half));
  // Leaf and stem.
  p.setBrush(QColor("#4caf50"));
  QPainterPath leaf;
  leaf.moveTo(132, 70);
  leaf.cubicTo(150, 30, 190, 30, 204, 44);
  leaf.cubicTo(186, 72, 152, 80, 132, 70);
  p.drawPath(leaf);
  p.setPen(QPen(QColor("#6d4c41"), 10, Qt::SolidLine, Qt::RoundCap));
  p.drawLine(QPointF(128, 70), QPointF(122, 46));
  // Highlight.
  p.setPen(Qt::NoPen);
  p.setBrush(QColor(255, 255, 255, 90));
  p.drawEllipse(QPointF(160, 118), 16, 24);
  return img;
}

QIcon app_icon() {
  QIcon icon;
  for (int s : {16, 24, 32, 48, 64, 128, 256}) icon.addPixmap(QPixmap::fromImage(app_icon_image(s)));
  return icon;
}

}  // namespace ripen::ui
