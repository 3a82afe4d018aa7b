#pragma once
// Export: format, bit depth, metadata on/off, file-name template, destination; for one image or a selection.
#include <QDialog>

#include "ui/studio_controller.h"

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QToolButton;

namespace ripen::ui {

class ExportDialog : public QDialog {
  Q_OBJECT
 public:
  ExportDialog(int count, const ExportSettings& initial, QWidget* parent = nullptr);
  ExportSettings settings() const;
  void set_settings(const ExportSettings& s);

 protected:
  void changeEvent(QEvent* e) override;

 private:
  void retranslate();
  void update_controls();
  int count_;
  QLabel *what_, *format_label_, *depth_label_, *quality_label_, *template_label_, *dest_label_, *template_help_;
  QComboBox *format_, *depth_;
  QSpinBox* quality_;
  QCheckBox* metadata_;
  QLineEdit *template_, *dest_;
  QToolButton* browse_;
  QDialogButtonBox* buttons_;
};

}  // namespace ripen::ui
