#pragma once
// Settings: model folders, A1111 / ComfyUI installs, extra_model_paths.yaml, device, precision, threads, library location, theme, language.
#include <QDialog>

#include "ui/app_settings.h"

class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;
class QToolButton;
class QLabel;

namespace ripen::ui {

class SettingsDialog : public QDialog {
  Q_OBJECT
 public:
  SettingsDialog(const AppSettings& s, QWidget* parent = nullptr);
  AppSettings settings() const;
  // For tests and automation: the widgets.
  QListWidget* folders() const { return folders_; }
  QListWidget* installs() const { return installs_; }
  QLineEdit* extra_model_paths() const { return extra_paths_; }
  QComboBox* device() const { return device_; }
  QComboBox* precision() const { return precision_; }
  QSpinBox* threads() const { return threads_; }
  QLineEdit* library_dir() const { return library_; }
  QComboBox* theme() const { return theme_; }
  QComboBox* language() const { return language_; }

 protected:
  void changeEvent(QEvent* e) override;

 private:
  void retranslate();
  AppSettings base_;
  QLabel *folders_label_, *device_label_, *precision_label_, *threads_label_, *library_label_, *theme_label_,
      *language_label_, *installs_label_, *extra_paths_label_, *preview_decoder_label_;
  QComboBox* preview_decoder_;  // "automatic" (data: empty) and the catalogue's TAESD files
  QListWidget *folders_, *installs_;
  QPushButton *add_, *remove_, *add_install_, *remove_install_;
  QLineEdit* extra_paths_;
  QToolButton* browse_extra_;
  QComboBox *device_, *precision_, *theme_, *language_;
  QSpinBox* threads_;
  QLineEdit* library_;
  QToolButton* browse_;
  QDialogButtonBox* buttons_;
};

}  // namespace ripen::ui
