#include "ui/settings_dialog.h"

#include <ATen/Context.h>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QThread>
#include <QToolButton>
#include <QVBoxLayout>

#include <QFileInfo>

#include "library/library.h"
#include "ui/catalogue_model.h"

namespace ripen::ui {

SettingsDialog::SettingsDialog(const AppSettings& s, QWidget* parent) : QDialog(parent), base_(s) {
  setObjectName("SettingsDialog");
  auto* lay = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  folders_ = new QListWidget(this);
  folders_->setObjectName("modelFolders");
  folders_->addItems(s.model_folders);
  folders_->setMaximumHeight(110);
  add_ = new QPushButton(this);
  remove_ = new QPushButton(this);
  auto* fbox = new QVBoxLayout;
  fbox->addWidget(folders_);
  auto* fbuttons = new QHBoxLayout;
  fbuttons->addWidget(add_);
  fbuttons->addWidget(remove_);
  fbuttons->addStretch();
  fbox->addLayout(fbuttons);
  connect(add_, &QPushButton::clicked, this, [this] {
    QString d = QFileDialog::getExistingDirectory(this, tr("Model folder"));
    if (!d.isEmpty()) folders_->addItem(d);
  });
  connect(remove_, &QPushButton::clicked, this, [this] { delete folders_->currentItem(); });
  // AUTOMATIC1111 / ComfyUI installs: the catalogue (models/catalogue.h) looks in their models/ folders.
  installs_ = new QListWidget(this);
  installs_->setObjectName("installFolders");
  installs_->addItems(s.install_folders);
  installs_->setMaximumHeight(80);
  add_install_ = new QPushButton(this);
  remove_install_ = new QPushButton(this);
  auto* ibox = new QVBoxLayout;
  ibox->addWidget(installs_);
  auto* ibuttons = new QHBoxLayout;
  ibuttons->addWidget(add_install_);
  ibuttons->addWidget(remove_install_);
  ibuttons->addStretch();
  ibox->addLayout(ibuttons);
  connect(add_install_, &QPushButton::clicked, this, [this] {
    QString d = QFileDialog::getExistingDirectory(this, tr("AUTOMATIC1111 or ComfyUI folder"));
    if (!d.isEmpty()) installs_->addItem(d);
  });
  connect(remove_install_, &QPushButton::clicked, this, [this] { delete installs_->currentItem(); });
  auto* extra_row = new QHBoxLayout;
  extra_paths_ = new QLineEdit(s.extra_model_paths, this);
  extra_paths_->setObjectName("extraModelPaths");
  browse_extra_ = new QToolButton(this);
  browse_extra_->setText("…");
  extra_row->addWidget(extra_paths_, 1);
  extra_row->addWidget(browse_extra_);
  connect(browse_extra_, &QToolButton::clicked, this, [this] {
    QString f = QFileDialog::getOpenFileName(this, tr("extra_model_paths.yaml"), extra_paths_->text(),
                                             tr("YAML files (*.yaml *.yml)"));
    if (!f.isEmpty()) extra_paths_->setText(f);
  });
  device_ = new QComboBox(this);
  device_->setObjectName("device");
  device_->addItem("CPU", "cpu");
  if (at::hasCUDA()) device_->addItem("CUDA", "cuda");
  precision_ = new QComboBox(this);
  precision_->setObjectName("precision");
  precision_->addItem("fp32", "fp32");
  precision_->addItem("bf16", "bf16");
  precision_->addItem("fp16", "fp16");
  preview_decoder_ = new QComboBox(this);
  preview_decoder_->setObjectName("previewDecoder");
  preview_decoder_->addItem(QString(), QString());
  for (const auto& e : scan_catalogue(s).of(models::ModelKind::PreviewDecoder))
    if (e.usable()) preview_decoder_->addItem(QString::fromStdString(e.name), QString::fromStdString(e.path));
  if (!s.preview_decoder.isEmpty() && preview_decoder_->findData(s.preview_decoder) < 0)
    preview_decoder_->addItem(QFileInfo(s.preview_decoder).fileName(), s.preview_decoder);
  threads_ = new QSpinBox(this);
  threads_->setObjectName("threads");
  threads_->setRange(0, 256);
  auto* lib_row = new QHBoxLayout;
  library_ = new QLineEdit(this);
  library_->setObjectName("libraryDir");
  browse_ = new QToolButton(this);
  browse_->setText("…");
  lib_row->addWidget(library_, 1);
  lib_row->addWidget(browse_);
  connect(browse_, &QToolButton::clicked, this, [this] {
    QString d = QFileDialog::getExistingDirectory(this, tr("Library folder"), library_->text());
    if (!d.isEmpty()) library_->setText(d);
  });
  theme_ = new QComboBox(this);
  theme_->setObjectName("theme");
  theme_->addItem(QString(), "system");
  theme_->addItem(QString(), "dark");
  theme_->addItem(QString(), "light");
  language_ = new QComboBox(this);
  language_->setObjectName("language");
  language_->addItem(QString(), "system");
  language_->addItem("English", "en");
  language_->addItem("Deutsch", "de");
  language_->addItem("日本語", "ja");

  folders_label_ = new QLabel(this);
  installs_label_ = new QLabel(this);
  extra_paths_label_ = new QLabel(this);
  installs_label_->setBuddy(installs_);
  extra_paths_label_->setBuddy(extra_paths_);
  device_label_ = new QLabel(this);
  precision_label_ = new QLabel(this);
  threads_label_ = new QLabel(this);
  preview_decoder_label_ = new QLabel(this);
  preview_decoder_label_->setBuddy(preview_decoder_);
  library_label_ = new QLabel(this);
  theme_label_ = new QLabel(this);
  language_label_ = new QLabel(this);
  folders_label_->setBuddy(folders_);
  device_label_->setBuddy(device_);
  precision_label_->setBuddy(precision_);
  threads_label_->setBuddy(threads_);
  library_label_->setBuddy(library_);
  theme_label_->setBuddy(theme_);
  language_label_->setBuddy(language_);
  form->addRow(folders_label_, fbox);
  form->addRow(installs_label_, ibox);
  form->addRow(extra_paths_label_, extra_row);
  form->addRow(device_label_, device_);
  form->addRow(precision_label_, precision_);
  form->addRow(threads_label_, threads_);
  form->addRow(preview_decoder_label_, preview_decoder_);
  form->addRow(library_label_, lib_row);
  form->addRow(theme_label_, theme_);
  form->addRow(language_label_, language_);
  lay->addLayout(form);
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  lay->addWidget(buttons_);
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto pick = [](QComboBox* c, const QString& v) { c->setCurrentIndex(std::max(0, c->findData(v))); };
  pick(device_, s.device);
  pick(precision_, s.precision);
  threads_->setValue(s.threads);
  library_->setText(s.library_dir);
  pick(theme_, s.theme);
  pick(preview_decoder_, s.preview_decoder);
  pick(language_, s.language);
  retranslate();
}

void SettingsDialog::retranslate() {
  setWindowTitle(tr("Settings"));
  folders_label_->setText(tr("&Model folders"));
  add_->setText(tr("&Add…"));
  installs_label_->setText(tr("A1111 / &ComfyUI install folders"));
  add_install_->setText(tr("Add &install…"));
  remove_install_->setText(tr("Remo&ve"));
  extra_paths_label_->setText(tr("e&xtra_model_paths.yaml"));
  preview_decoder_label_->setText(tr("Previe&w decoder"));
  preview_decoder_->setItemText(0, tr("Automatic (TAESD beside the model)"));
  extra_paths_->setPlaceholderText(tr("ComfyUI's extra_model_paths.yaml (optional)"));
  installs_->setAccessibleName(tr("AUTOMATIC1111 or ComfyUI install folders"));
  add_install_->setAccessibleName(tr("Add an AUTOMATIC1111 or ComfyUI install folder"));
  remove_install_->setAccessibleName(tr("Remove the selected install folder"));
  extra_paths_->setAccessibleName(tr("ComfyUI extra_model_paths.yaml"));
  browse_extra_->setAccessibleName(tr("Choose the extra_model_paths.yaml file"));
  remove_->setText(tr("&Remove"));
  device_label_->setText(tr("&Device"));
  precision_label_->setText(tr("&Precision"));
  precision_->setToolTip(tr("bf16 is about twice as fast on recent CPUs; fp16 needs CUDA"));
  threads_label_->setText(tr("&Threads"));
  threads_->setSpecialValueText(tr("Automatic"));
  library_label_->setText(tr("&Library folder"));
  library_->setPlaceholderText(QString::fromStdString(ripen::library::Library::default_path().string()));
  theme_label_->setText(tr("T&heme"));
  theme_->setItemText(0, tr("Follow system"));
  theme_->setItemText(1, tr("Dark"));
  theme_->setItemText(2, tr("Light"));
  language_label_->setText(tr("L&anguage"));
  language_->setItemText(0, tr("Follow system"));
  folders_->setAccessibleName(tr("Model folders"));
  add_->setAccessibleName(tr("Add a model folder"));
  remove_->setAccessibleName(tr("Remove the selected model folder"));
  device_->setAccessibleName(tr("Device"));
  precision_->setAccessibleName(tr("Precision"));
  threads_->setAccessibleName(tr("Threads"));
  library_->setAccessibleName(tr("Library folder"));
  browse_->setAccessibleName(tr("Choose the library folder"));
  theme_->setAccessibleName(tr("Theme"));
  language_->setAccessibleName(tr("Language"));
}

void SettingsDialog::changeEvent(QEvent* e) {
  if (e->type() == QEvent::LanguageChange) retranslate();
  QDialog::changeEvent(e);
}

AppSettings SettingsDialog::settings() const {
  AppSettings s = base_;
  s.model_folders.clear();
  for (int i = 0; i < folders_->count(); ++i) s.model_folders << folders_->item(i)->text();
  s.install_folders.clear();
  for (int i = 0; i < installs_->count(); ++i) s.install_folders << installs_->item(i)->text();
  s.extra_model_paths = extra_paths_->text().trimmed();
  s.device = device_->currentData().toString();
  s.precision = precision_->currentData().toString();
  s.threads = threads_->value();
  s.preview_decoder = preview_decoder_->currentData().toString();
  s.library_dir = library_->text().trimmed();
  s.theme = theme_->currentData().toString();
  s.language = language_->currentData().toString();
  return s;
}

}  // namespace ripen::ui
