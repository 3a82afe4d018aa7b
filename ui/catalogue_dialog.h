#pragma once
// Models: everything the catalogue found in the configured folders, installs and extra_model_paths.yaml, grouped
// by kind, with the architecture and, for files Ripen cannot use, the reason (greyed out, full text as tooltip).
#include <QDialog>
#include <functional>

#include "models/catalogue.h"

class QDialogButtonBox;
class QLabel;
class QPushButton;
class QTreeView;

namespace ripen::ui {

class CatalogueModel;

class CatalogueDialog : public QDialog {
  Q_OBJECT
 public:
  // `scan` is called now and on Rescan.
  explicit CatalogueDialog(std::function<models::Catalogue()> scan, QWidget* parent = nullptr);
  QTreeView* tree() const { return tree_; }
  CatalogueModel* model() const { return model_; }
  void rescan();

 protected:
  void changeEvent(QEvent* e) override;

 private:
  void retranslate();
  std::function<models::Catalogue()> scan_;
  CatalogueModel* model_;
  QTreeView* tree_;
  QLabel* summary_;
  QPushButton* rescan_;
  QDialogButtonBox* buttons_;
};

}  // namespace ripen::ui
