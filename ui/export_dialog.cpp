#include "ui/export_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace ripen::ui {

using imageio::Format;

ExportDialog::ExportDialog(int count, const ExportSettings& initial, QWidget* parent) : QDialog(parent), count_(count) {
  setObjectName("ExportDialog");
  auto* lay = new QVBoxLayout(this);
  what_ = new QLabel(this);
  lay->addWidget(what_);
  auto* form = new QFormLayout;
  format_ = new QComboBox(this);
  format_->setObjectName("exportFormat");
  // Format families; the bit depth picks the concrete writer.
  format_->addItem("PNG", "png");
  if (imageio::format_available(Format::Jpeg)) format_->addItem("JPEG", "jpeg");
  if (imageio::format_available(Format::WebP)) format_->addItem("WebP", "webp");
  if (imageio::format_available(Format::Tiff16)) format_->addItem("TIFF", "tiff");
  if (imageio::format_available(Format::ExrHalf)) format_->addItem("OpenEXR", "exr");
  depth_ = new QComboBox(this);
  depth_->setObjectName("exportDepth");
  quality_ = new QSpinBox(this);
  quality_->setRange(1, 100);
  quality_->setValue(initial.jpeg_quality);
  metadata_ = new QCheckBox(this);
  metadata_->setObjectName("exportMetadata");
  template_ = new QLineEdit(this);
  template_->setObjectName("exportTemplate");
  template_help_ = new QLabel(this);
  template_help_->setWordWrap(true);
  QFont small = template_help_->font();
  small.setPointSizeF(small.pointSizeF() * 0.9);
  template_help_->setFont(small);
  auto* dest_row = new QHBoxLayout;
  dest_ = new QLineEdit(this);
  dest_->setObjectName("exportDestination");
  browse_ = new QToolButton(this);
  browse_->setText("…");
  dest_row->addWidget(dest_, 1);
  dest_row->addWidget(browse_);
  format_label_ = new QLabel(this);
  depth_label_ = new QLabel(this);
  quality_label_ = new QLabel(this);
  template_label_ = new QLabel(this);
  dest_label_ = new QLabel(this);
  format_label_->setBuddy(format_);
  depth_label_->setBuddy(depth_);
  quality_label_->setBuddy(quality_);
  template_label_->setBuddy(template_);
  dest_label_->setBuddy(dest_);
  form->addRow(format_label_, format_);
  form->addRow(depth_label_, depth_);
  form->addRow(quality_label_, quality_);
  form->addRow(QString(), metadata_);
  form->addRow(template_label_, template_);
  form->addRow(QString(), template_help_);
  form->addRow(dest_label_, dest_row);
  lay->addLayout(form);
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  lay->addWidget(buttons_);
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(format_, &QComboBox::currentIndexChanged, this, &ExportDialog::update_controls);
  connect(depth_, &QComboBox::currentIndexChanged, this, &ExportDialog::update_controls);
  connect(browse_, &QToolButton::clicked, this, [this] {
    QString d = QFileDialog::getExistingDirectory(this, tr("Export to"), dest_->text());
    if (!d.isEmpty()) dest_->setText(d);
  });
  set_settings(initial);
  retranslate();
}

void ExportDialog::retranslate() {
  setWindowTitle(tr("Export"));
  what_->setText(tr("Export %n image(s)", nullptr, count_));
  format_label_->setText(tr("&Format"));
  depth_label_->setText(tr("&Bit depth"));
  quality_label_->setText(tr("&Quality"));
  metadata_->setText(tr("Include generation &metadata (prompt, seed, settings)"));
  template_label_->setText(tr("File &name"));
  template_help_->setText(tr("Fields: {id} {seed} {mode} {prompt:20} {negative:20} {width} {height} {sampler} "
                             "{steps} {model} {hash} {index}"));
  dest_label_->setText(tr("&Destination"));
  browse_->setToolTip(tr("Choose the destination folder"));
  browse_->setAccessibleName(tr("Choose the destination folder"));
  format_->setAccessibleName(tr("Format"));
  depth_->setAccessibleName(tr("Bit depth"));
  quality_->setAccessibleName(tr("Quality"));
  metadata_->setAccessibleName(tr("Include metadata"));
  template_->setAccessibleName(tr("File name template"));
  dest_->setAccessibleName(tr("Destination folder"));
  update_controls();
}

void ExportDialog::changeEvent(QEvent* e) {
  if (e->type() == QEvent::LanguageChange) retranslate();
  QDialog::changeEvent(e);
}

void ExportDialog::update_controls() {
  const QString fam = format_->currentData().toString();
  const QString prev = depth_->currentData().toString();
  QSignalBlocker block(depth_);
  depth_->clear();
  if (fam == "png") {
    depth_->addItem(tr("8 bits per channel"), "png");
    depth_->addItem(tr("16 bits per channel"), "png16");
  } else if (fam == "tiff") {
    depth_->addItem(tr("16 bits per channel"), "tiff16");
  } else if (fam == "exr") {
    depth_->addItem(tr("16-bit half float (linear)"), "exr");
  } else {
    depth_->addItem(tr("8 bits per channel"), fam);
  }
  int i = depth_->findData(prev);
  depth_->setCurrentIndex(std::max(i, 0));
  quality_->setEnabled(fam == "jpeg" || fam == "webp");
}

ExportSettings ExportDialog::settings() const {
  ExportSettings s;
  s.format = imageio::format_from_name(depth_->currentData().toString().toStdString()).value_or(Format::Png8);
  s.metadata = metadata_->isChecked();
  s.name_template = template_->text().isEmpty() ? QStringLiteral("{id}-{seed}") : template_->text();
  s.destination = dest_->text();
  s.jpeg_quality = quality_->value();
  return s;
}

void ExportDialog::set_settings(const ExportSettings& s) {
  const std::string name = imageio::format_name(s.format);
  const QString fam = name == "png16" ? "png" : name == "tiff16" ? "tiff" : QString::fromStdString(name);
  int fi = format_->findData(fam);
  format_->setCurrentIndex(std::max(fi, 0));
  update_controls();
  int di = depth_->findData(QString::fromStdString(name));
  if (di >= 0) depth_->setCurrentIndex(di);
  metadata_->setChecked(s.metadata);
  template_->setText(s.name_template);
  dest_->setText(s.destination);
  quality_->setValue(s.jpeg_quality);
  update_controls();
}

}  // namespace ripen::ui
