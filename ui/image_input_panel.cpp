#include "ui/image_input_panel.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QShortcut>
#include <QSlider>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/mask_canvas.h"

namespace ripen::ui {
namespace {
// The engine's words, in the order the combo boxes show them (A1111's order for masked content).
const char* const kMaskedContent[] = {"fill", "original", "latent_noise", "latent_nothing"};
const char* const kOutpaintFill[] = {"edge", "noise"};

QToolButton* tool_button(QWidget* parent, bool checkable) {
  auto* b = new QToolButton(parent);
  b->setCheckable(checkable);
  b->setToolButtonStyle(Qt::ToolButtonTextOnly);
  return b;
}
}  // namespace

ImageInputPanel::ImageInputPanel(QWidget* parent) : QWidget(parent) {
  setObjectName("imageInputPanel");
  setAcceptDrops(true);
  auto* lay = new QVBoxLayout(this);

  auto* top = new QHBoxLayout;
  open_ = new QPushButton(this);
  clear_image_ = new QPushButton(this);
  source_label_ = new QLabel(this);
  source_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  top->addWidget(open_);
  top->addWidget(clear_image_);
  top->addWidget(source_label_, 1);
  lay->addLayout(top);
  message_ = new QLabel(this);
  message_->setWordWrap(true);
  message_->setVisible(false);
  lay->addWidget(message_);

  canvas_ = new MaskCanvas(this);
  canvas_->setObjectName("maskCanvas");
  lay->addWidget(canvas_, 1);

  auto* tools = new QHBoxLayout;
  tools_ = new QButtonGroup(this);
  brush_ = tool_button(this, true);
  eraser_ = tool_button(this, true);
  outpaint_tool_ = tool_button(this, true);
  brush_->setChecked(true);
  tools_->addButton(brush_, int(MaskCanvas::Tool::Brush));
  tools_->addButton(eraser_, int(MaskCanvas::Tool::Eraser));
  tools_->addButton(outpaint_tool_, int(MaskCanvas::Tool::Outpaint));
  // Tool keys only while the panel has focus, so they never steal letters typed elsewhere.
  const std::pair<QToolButton*, Qt::Key> keys[] = {{brush_, Qt::Key_B}, {eraser_, Qt::Key_E}, {outpaint_tool_, Qt::Key_O}};
  for (auto [button, key] : keys) {
    auto* sc = new QShortcut(QKeySequence(key), this, nullptr, nullptr, Qt::WidgetWithChildrenShortcut);
    connect(sc, &QShortcut::activated, button, &QToolButton::click);
  }
  invert_ = tool_button(this, false);
  clear_mask_ = tool_button(this, false);
  undo_ = tool_button(this, false);
  size_label_ = new QLabel(this);
  brush_size_ = new QSpinBox(this);
  brush_size_->setRange(1, 512);
  brush_size_->setValue(canvas_->brush_size());
  hardness_label_ = new QLabel(this);
  hardness_ = new QSlider(Qt::Horizontal, this);
  hardness_->setRange(0, 100);
  hardness_->setValue(int(canvas_->hardness() * 100));
  hardness_->setMaximumWidth(90);
  for (QWidget* w : std::initializer_list<QWidget*>{brush_, eraser_, outpaint_tool_, size_label_, brush_size_,
                                                    hardness_label_, hardness_, invert_, clear_mask_, undo_})
    tools->addWidget(w);
  tools->addStretch();
  lay->addLayout(tools);

  auto* form = new QGridLayout;
  strength_label_ = new QLabel(this);
  strength_slider_ = new QSlider(Qt::Horizontal, this);
  strength_slider_->setRange(1, 100);
  strength_ = new QDoubleSpinBox(this);
  strength_->setObjectName("strength");
  strength_->setRange(0.01, 1.0);
  strength_->setSingleStep(0.05);
  strength_->setDecimals(2);
  blur_label_ = new QLabel(this);
  mask_blur_ = new QSpinBox(this);
  mask_blur_->setObjectName("maskBlur");
  mask_blur_->setRange(0, 64);
  mask_blur_->setValue(4);
  area_label_ = new QLabel(this);
  area_ = new QComboBox(this);
  area_->addItems({QString(), QString()});
  padding_label_ = new QLabel(this);
  padding_ = new QSpinBox(this);
  padding_->setRange(0, 256);
  padding_->setValue(32);
  content_label_ = new QLabel(this);
  content_ = new QComboBox(this);
  for (int i = 0; i < 4; ++i) content_->addItem(QString(), QString(kMaskedContent[i]));
  content_->setCurrentIndex(1);
  outpaint_label_ = new QLabel(this);
  auto* margins = new QHBoxLayout;
  for (auto*& m : margins_) {
    m = new QSpinBox(this);
    m->setRange(0, 1024);
    m->setSingleStep(8);
    margins->addWidget(m);
  }
  fill_ = new QComboBox(this);
  for (int i = 0; i < 2; ++i) fill_->addItem(QString(), QString(kOutpaintFill[i]));
  form->addWidget(strength_label_, 0, 0);
  form->addWidget(strength_slider_, 0, 1);
  form->addWidget(strength_, 0, 2);
  form->addWidget(blur_label_, 1, 0);
  form->addWidget(mask_blur_, 1, 1, 1, 2);
  form->addWidget(area_label_, 2, 0);
  form->addWidget(area_, 2, 1);
  form->addWidget(padding_, 2, 2);
  form->addWidget(content_label_, 3, 0);
  form->addWidget(content_, 3, 1, 1, 2);
  form->addWidget(outpaint_label_, 4, 0);
  form->addLayout(margins, 4, 1);
  form->addWidget(fill_, 4, 2);
  lay->addLayout(form);
  set_strength(0.75);

  connect(open_, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, tr("Start image"), QString(),
                                                   tr("Pictures (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff)"));
    if (!f.isEmpty()) open_file(f);
  });
  connect(clear_image_, &QPushButton::clicked, this, &ImageInputPanel::clear_image);
  connect(tools_, &QButtonGroup::idClicked, this, [this](int id) { canvas_->set_tool(MaskCanvas::Tool(id)); });
  connect(brush_size_, &QSpinBox::valueChanged, canvas_, &MaskCanvas::set_brush_size);
  connect(canvas_, &MaskCanvas::brush_size_changed, brush_size_, &QSpinBox::setValue);
  connect(hardness_, &QSlider::valueChanged, this, [this](int v) { canvas_->set_hardness(v / 100.0); });
  connect(invert_, &QToolButton::clicked, canvas_, &MaskCanvas::invert);
  connect(clear_mask_, &QToolButton::clicked, canvas_, &MaskCanvas::clear);
  connect(undo_, &QToolButton::clicked, canvas_, [this] { canvas_->undo(); });
  connect(canvas_, &MaskCanvas::mask_changed, this, &ImageInputPanel::update_state);
  connect(canvas_, &MaskCanvas::outpaint_changed, this, [this](QMargins m) {
    const int v[4] = {m.left(), m.right(), m.top(), m.bottom()};
    for (int i = 0; i < 4; ++i) {
      QSignalBlocker block(margins_[i]);
      margins_[i]->setValue(v[i]);
    }
    update_state();
  });
  for (auto* m : margins_)
    connect(m, &QSpinBox::valueChanged, this, [this] {
      canvas_->set_outpaint(QMargins(margins_[0]->value(), margins_[2]->value(), margins_[1]->value(),
                                     margins_[3]->value()));
    });
  connect(strength_slider_, &QSlider::valueChanged, this, [this](int v) {
    QSignalBlocker block(strength_);
    strength_->setValue(v / 100.0);
    Q_EMIT changed();
  });
  connect(strength_, &QDoubleSpinBox::valueChanged, this, [this](double v) {
    QSignalBlocker block(strength_slider_);
    strength_slider_->setValue(int(std::lround(v * 100)));
    Q_EMIT changed();
  });
  for (QComboBox* c : {area_, content_, fill_})
    connect(c, &QComboBox::currentIndexChanged, this, &ImageInputPanel::update_state);
  for (QSpinBox* s : {mask_blur_, padding_}) connect(s, &QSpinBox::valueChanged, this, &ImageInputPanel::changed);
  retranslate();
  update_state();
}

void ImageInputPanel::set_image(const QImage& image, const QString& source) {
  source_ = source;
  library_id_ = -1;
  message_->setVisible(false);
  canvas_->set_image(image);
  for (auto* m : margins_) {
    QSignalBlocker block(m);
    m->setValue(0);
  }
  update_state();
}

bool ImageInputPanel::open_file(const QString& path) {
  QImageReader reader(path);
  reader.setAutoTransform(true);
  const QImage img = reader.read();
  if (img.isNull()) {
    message_->setText(tr("%1 is not a picture Ripen can open: %2").arg(QFileInfo(path).fileName(),
                                                                        reader.errorString()));
    message_->setVisible(true);
    return false;
  }
  set_image(img, path);
  return true;
}

void ImageInputPanel::clear_image() {
  source_.clear();
  library_id_ = -1;
  canvas_->set_image(QImage());
  update_state();
}

bool ImageInputPanel::has_image() const { return !canvas_->image().isNull(); }
const QImage& ImageInputPanel::image() const { return canvas_->image(); }
bool ImageInputPanel::has_mask() const { return has_image() && !canvas_->mask_empty(); }
QMargins ImageInputPanel::outpaint() const { return canvas_->outpaint(); }
double ImageInputPanel::strength() const { return strength_->value(); }
void ImageInputPanel::set_strength(double s) { strength_->setValue(s); }
int ImageInputPanel::mask_blur() const { return mask_blur_->value(); }
bool ImageInputPanel::only_masked() const { return area_->currentIndex() == 1; }
int ImageInputPanel::masked_padding() const { return padding_->value(); }
QString ImageInputPanel::masked_content() const { return content_->currentData().toString(); }
QString ImageInputPanel::outpaint_fill() const { return fill_->currentData().toString(); }

QString ImageInputPanel::summary() const {
  if (!has_image()) return {};
  const QString name = library_id_ >= 0 ? tr("result #%1").arg(library_id_) : QFileInfo(source_).fileName();
  const QMargins m = outpaint();
  if (!m.isNull())
    return tr("outpaint %1 (+%2 px), strength %3").arg(name).arg(m.left() + m.right() + m.top() + m.bottom())
        .arg(strength(), 0, 'f', 2);
  if (has_mask()) return tr("inpaint %1, strength %2").arg(name).arg(strength(), 0, 'f', 2);
  return tr("img2img from %1, strength %2").arg(name).arg(strength(), 0, 'f', 2);
}

void ImageInputPanel::update_state() {
  const bool img = has_image();
  const bool masked = img && (has_mask() || !outpaint().isNull());
  for (QWidget* w : std::initializer_list<QWidget*>{brush_, eraser_, outpaint_tool_, invert_, clear_mask_, undo_,
                                                    brush_size_, hardness_, strength_, strength_slider_})
    w->setEnabled(img);
  for (QWidget* w : std::initializer_list<QWidget*>{mask_blur_, area_, content_}) w->setEnabled(masked);
  padding_->setEnabled(masked && only_masked());
  for (auto* m : margins_) m->setEnabled(img);
  fill_->setEnabled(img && !outpaint().isNull());
  clear_image_->setEnabled(img);
  source_label_->setText(img ? QString("%1 — %2×%3").arg(library_id_ >= 0 ? tr("result #%1").arg(library_id_)
                                                                         : QFileInfo(source_).fileName())
                                   .arg(image().width()).arg(image().height())
                             : tr("No start image: the run starts from noise"));
  Q_EMIT changed();
}

void ImageInputPanel::dragEnterEvent(QDragEnterEvent* e) {
  if (e->mimeData()->hasUrls() || e->mimeData()->hasImage()) e->acceptProposedAction();
}

void ImageInputPanel::dropEvent(QDropEvent* e) {
  const QMimeData* d = e->mimeData();
  if (d->hasUrls() && d->urls().front().isLocalFile()) {
    open_file(d->urls().front().toLocalFile());
  } else if (d->hasImage()) {
    set_image(qvariant_cast<QImage>(d->imageData()), tr("dropped picture"));
  }
  e->acceptProposedAction();
}

void ImageInputPanel::changeEvent(QEvent* e) {
  if (e->type() == QEvent::LanguageChange) retranslate();
  QWidget::changeEvent(e);
}

void ImageInputPanel::retranslate() {
  open_->setText(tr("&Open…"));
  clear_image_->setText(tr("Clear"));
  brush_->setText(tr("Brush"));
  brush_->setToolTip(tr("Paint the area to repaint (B)"));
  eraser_->setText(tr("Eraser"));
  eraser_->setToolTip(tr("Take area out of the mask (E)"));
  outpaint_tool_->setText(tr("Extend"));
  outpaint_tool_->setToolTip(tr("Drag an edge outwards to extend the canvas (O)"));
  invert_->setText(tr("Invert"));
  clear_mask_->setText(tr("Clear mask"));
  undo_->setText(tr("Undo"));
  undo_->setToolTip(tr("Undo the last stroke (Ctrl+Z on the canvas)"));
  size_label_->setText(tr("Size"));
  hardness_label_->setText(tr("Hardness"));
  strength_label_->setText(tr("Denoising strength"));
  strength_->setToolTip(tr("How far the picture is re-noised: 1 repaints from noise, 0.3 keeps most of it"));
  blur_label_->setText(tr("Mask blur"));
  area_label_->setText(tr("Inpaint area"));
  area_->setItemText(0, tr("Whole picture"));
  area_->setItemText(1, tr("Only masked"));
  padding_->setToolTip(tr("Only masked: pixels of context around the mask's box"));
  content_label_->setText(tr("Masked content"));
  content_->setItemText(0, tr("fill"));
  content_->setItemText(1, tr("original"));
  content_->setItemText(2, tr("latent noise"));
  content_->setItemText(3, tr("latent nothing"));
  outpaint_label_->setText(tr("Extend (L, R, T, B)"));
  fill_->setItemText(0, tr("edge colours"));
  fill_->setItemText(1, tr("noise"));
  fill_->setToolTip(tr("What fills the new area before it is painted"));
  strength_->setAccessibleName(tr("Denoising strength"));
  strength_slider_->setAccessibleName(tr("Denoising strength"));
  brush_size_->setAccessibleName(tr("Brush size"));
  hardness_->setAccessibleName(tr("Brush hardness"));
  mask_blur_->setAccessibleName(tr("Mask blur"));
  area_->setAccessibleName(tr("Inpaint area"));
  padding_->setAccessibleName(tr("Masked area padding"));
  content_->setAccessibleName(tr("Masked content"));
  fill_->setAccessibleName(tr("Outpaint fill"));
  const char* sides[4] = {QT_TR_NOOP("Extend left"), QT_TR_NOOP("Extend right"), QT_TR_NOOP("Extend top"),
                          QT_TR_NOOP("Extend bottom")};
  for (int i = 0; i < 4; ++i) margins_[i]->setAccessibleName(tr(sides[i]));
  canvas_->setAccessibleName(tr("Start image and mask"));
  update_state();
}

}  // namespace ripen::ui
