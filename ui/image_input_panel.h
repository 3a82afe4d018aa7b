#pragma once
// The "Start image" tab: the picture an img2img, inpaint or outpaint run starts from (opened, dropped, or a gallery
// result), the mask painted over it (MaskCanvas with its tools), the outpaint margins, and the settings A1111
// users know: denoising strength, mask blur, inpaint area (whole picture / only masked, with padding) and masked
// content. The panel owns pixels only; MainWindow turns it into the request's image input.
#include <QImage>
#include <QWidget>

class QAbstractButton;
class QButtonGroup;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;
class QToolButton;

namespace ripen::ui {

class MaskCanvas;

class ImageInputPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ImageInputPanel(QWidget* parent = nullptr);

  // `source` names where it came from (a file, or "library #id"); an existing mask and margins are cleared.
  void set_image(const QImage& image, const QString& source);
  bool open_file(const QString& path);  // false (and a message on the panel) when the file is not a picture
  void clear_image();
  bool has_image() const;
  const QImage& image() const;
  QString source() const { return source_; }
  // `id` of the library result the picture is, when it is one: its stored latents can be used without a re-encode.
  void set_library_id(qint64 id) { library_id_ = id; }
  qint64 library_id() const { return library_id_; }

  MaskCanvas* canvas() const { return canvas_; }
  bool has_mask() const;  // something is painted (an all-clear mask is plain img2img)
  QMargins outpaint() const;
  double strength() const;
  void set_strength(double s);
  int mask_blur() const;
  bool only_masked() const;
  int masked_padding() const;
  QString masked_content() const;  // "fill" | "original" | "latent_noise" | "latent_nothing"
  QString outpaint_fill() const;   // "edge" | "noise"
  QString summary() const;         // one line for the prompt panel ("inpaint 23% of photo.png, strength 0.75")

 Q_SIGNALS:
  void changed();

 protected:
  void changeEvent(QEvent* e) override;
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dropEvent(QDropEvent* e) override;

 private:
  void retranslate();
  void update_state();

  QString source_;
  qint64 library_id_ = -1;
  MaskCanvas* canvas_;
  QLabel *source_label_, *message_;
  QPushButton *open_, *clear_image_;
  QButtonGroup* tools_;
  QToolButton *brush_, *eraser_, *outpaint_tool_, *invert_, *clear_mask_, *undo_;
  QSpinBox* brush_size_;
  QSlider* hardness_;
  QLabel *size_label_, *hardness_label_, *strength_label_, *blur_label_, *area_label_, *padding_label_,
      *content_label_, *outpaint_label_;
  QSlider* strength_slider_;
  QDoubleSpinBox* strength_;
  QSpinBox *mask_blur_, *padding_;
  QComboBox *area_, *content_, *fill_;
  QSpinBox* margins_[4];  // left, right, top, bottom
};

}  // namespace ripen::ui
