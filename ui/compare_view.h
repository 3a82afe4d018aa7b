#pragma once
// Compare two images: side by side, swipe (a slider reveals B over A) or difference; zoom (wheel) and pan (drag)
// are shared by both images. Shows the SSIM equivalence and both timings.
#include <QWidget>

#include "ui/studio_controller.h"

class QComboBox;
class QLabel;
class QSlider;

namespace ripen::ui {

class CompareCanvas : public QWidget {
  Q_OBJECT
 public:
  enum class Mode { SideBySide, Swipe, Difference };
  explicit CompareCanvas(QWidget* parent = nullptr);
  void set_images(const QImage& a, const QImage& b);
  void set_mode(Mode m);
  void set_swipe(double t);  // 0..1
  void set_zoom(double z);
  double zoom() const { return zoom_; }
  QPointF pan() const { return pan_; }
  Mode mode() const { return mode_; }
  const QImage& difference() const { return diff_; }

 protected:
  void paintEvent(QPaintEvent*) override;
  void wheelEvent(QWheelEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;

 private:
  void draw(QPainter& p, const QImage& img, const QRect& area);
  QImage a_, b_, diff_;
  Mode mode_ = Mode::SideBySide;
  double swipe_ = 0.5, zoom_ = 1.0;
  QPointF pan_;
  QPoint drag_;
};

class CompareView : public QWidget {
  Q_OBJECT
 public:
  explicit CompareView(QWidget* parent = nullptr);
  void show_pair(const CompareData& d);
  const CompareData& data() const { return data_; }
  CompareCanvas* canvas() const { return canvas_; }
  QString summary() const;

 protected:
  void changeEvent(QEvent* e) override;

 private:
  void retranslate();
  CompareData data_;
  CompareCanvas* canvas_;
  QComboBox* mode_;
  QSlider* swipe_;
  QLabel *mode_label_, *swipe_label_, *info_;
};

}  // namespace ripen::ui
