#pragma once
// The picture an image-to-image run starts from, with the inpaint mask painted over it and the outpaint margins
// around it. The mask is kept at the picture's own resolution (white = repaint; a soft brush leaves grey, which the
// engine's mask blur and binarisation read as it reads any mask file) and shown as a tinted overlay; the margins
// are drawn as a hatched border the engine will fill. Tools: brush (size, hardness), eraser, and the outpaint
// handles (drag an edge outwards, in steps of 8 pixels).
#include <QImage>
#include <QMargins>
#include <QWidget>
#include <vector>

namespace ripen::ui {

class MaskCanvas : public QWidget {
  Q_OBJECT
 public:
  enum class Tool { Brush, Eraser, Outpaint };
  explicit MaskCanvas(QWidget* parent = nullptr);

  void set_image(const QImage& image);  // clears the mask, the margins and the undo history
  const QImage& image() const { return image_; }
  QImage mask() const;                  // Grayscale8 at the image's size; 255 = repaint
  void set_mask(const QImage& mask);    // any format (grey value, or alpha where it has one), scaled to the image
  bool mask_empty() const;
  QMargins outpaint() const { return margins_; }
  void set_outpaint(const QMargins& m);

  void set_tool(Tool t) { tool_ = t; }
  Tool tool() const { return tool_; }
  void set_brush_size(int pixels) { brush_size_ = std::max(1, pixels); }  // diameter in image pixels
  int brush_size() const { return brush_size_; }
  void set_hardness(double h) { hardness_ = std::clamp(h, 0.0, 1.0); }  // 1: hard edge; 0: soft to the centre
  double hardness() const { return hardness_; }

  void invert();
  void clear();
  bool undo();  // the last stroke, invert, clear or margin drag; false when there is nothing to undo
  bool can_undo() const { return !undo_.empty(); }

  // The picture and mask as the engine will see them: the image with the tinted mask and hatched margins.
  QImage composite() const;
  // Where an image pixel lies in the widget (the picture fits the widget, centred, margins included).
  QPointF to_widget(QPointF image_point) const;
  QPointF to_image(QPointF widget_point) const;
  QSize sizeHint() const override { return {420, 420}; }

 Q_SIGNALS:
  void mask_changed();
  void outpaint_changed(QMargins margins);
  void brush_size_changed(int pixels);  // from the [ ] keys

 protected:
  void paintEvent(QPaintEvent*) override;
  void mousePressEvent(QMouseEvent*) override;
  void mouseMoveEvent(QMouseEvent*) override;
  void mouseReleaseEvent(QMouseEvent*) override;
  // With the canvas focused, Ctrl+Z undoes a stroke (not the library's last action) and [ ] resize the brush.
  bool event(QEvent*) override;
  void keyPressEvent(QKeyEvent*) override;

 private:
  void push_undo();
  void dab(QPointF image_point);
  void stroke_to(QPointF image_point);
  QRectF canvas_rect() const;  // the image plus margins, in widget coordinates
  double scale() const;

  QImage image_;
  QImage alpha_;  // ARGB32_Premultiplied, white with the mask in alpha (so QPainter's soft brushes and eraser work)
  QMargins margins_;
  struct Snapshot {
    QImage alpha;
    QMargins margins;
  };
  std::vector<Snapshot> undo_;  // strokes, invert, clear and margin drags, newest last
  Tool tool_ = Tool::Brush;
  int brush_size_ = 48;
  double hardness_ = 0.7;
  bool stroking_ = false;
  QPointF last_;
  // Outpaint drag: which side (0 left, 1 right, 2 top, 3 bottom), where it started (widget), the scale and margin then.
  int drag_side_ = -1;
  QPointF drag_start_;
  double drag_scale_ = 1;
  int drag_margin_ = 0;
};

}  // namespace ripen::ui
