#include "ui/catalogue_dialog.h"

#include <QDialogButtonBox>
#include <QElapsedTimer>
#include <QEvent>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeView>
#include <QVBoxLayout>

#include "ui/catalogue_model.h"

namespace ripen::ui {

CatalogueDialog::CatalogueDialog(std::function<models::Catalogue()> scan, QWidget* parent)
    : QDialog(parent), scan_(std::move(scan)) {
  setObjectName("CatalogueDialog");
  auto* lay = new QVBoxLayout(this);
  summary_ = new QLabel(this);
  summary_->setObjectName("catalogueSummary");
  summary_->setWordWrap(true);
  model_ = new CatalogueModel(this);
  tree_ = new QTreeView(this);
  tree_->setObjectName("catalogueTree");
  tree_->setModel(model_);
  tree_->setUniformRowHeights(true);
  tree_->setAlternatingRowColors(true);
  tree_->header()->setStretchLastSection(true);
  lay->addWidget(summary_);
  lay->addWidget(tree_, 1);
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Close, this);
  rescan_ = buttons_->addButton(QString(), QDialogButtonBox::ActionRole);
  rescan_->setObjectName("catalogueRescan");
  lay->addWidget(buttons_);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(rescan_, &QPushButton::clicked, this, &CatalogueDialog::rescan);
  resize(1100, 640);
  retranslate();
  rescan();
}

void CatalogueDialog::rescan() {
  QElapsedTimer t;
  t.start();
  model_->set_catalogue(scan_ ? scan_() : models::Catalogue{});
  const auto& c = model_->catalogue();
  int unusable = 0;
  for (const auto& e : c.entries) unusable += e.usable() ? 0 : 1;
  summary_->setText(tr("%n file(s) found, %1 not usable, %2 problem(s) with the folders; read in %3 ms.", nullptr,
                       int(c.entries.size()))
                        .arg(unusable)
                        .arg(c.problems.size())
                        .arg(t.elapsed()));
  tree_->expandAll();
  for (int col = 0; col < CatalogueModel::Path; ++col) tree_->resizeColumnToContents(col);
}

void CatalogueDialog::retranslate() {
  setWindowTitle(tr("Models"));
  rescan_->setText(tr("&Rescan"));
  tree_->setAccessibleName(tr("Models found, by kind"));
}

void CatalogueDialog::changeEvent(QEvent* e) {
  if (e->type() == QEvent::LanguageChange) retranslate();
  QDialog::changeEvent(e);
}

}  // namespace ripen::ui
