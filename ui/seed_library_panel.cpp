#include "ui/seed_library_panel.h"

#include <QEvent>
#include <QHeaderView>
#include <QTreeView>
#include <QVBoxLayout>

#include "ui/library_model.h"

namespace ripen::ui {

SeedLibraryPanel::SeedLibraryPanel(LibraryModel* model, QWidget* parent) : QWidget(parent), model_(model) {
  setObjectName("SeedLibraryPanel");
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(4, 4, 4, 4);
  tree_ = new QTreeView(this);
  tree_->setObjectName("seedLibraryTree");
  tree_->setModel(model_);
  tree_->setUniformRowHeights(true);
  tree_->setAlternatingRowColors(true);
  tree_->setSelectionBehavior(QAbstractItemView::SelectRows);
  tree_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  tree_->setColumnWidth(LibraryModel::ColId, 70);
  const std::pair<int, int> widths[] = {{LibraryModel::ColCreated, 130}, {LibraryModel::ColSeed, 90},
                                        {LibraryModel::ColMode, 64},     {LibraryModel::ColSteps, 48},
                                        {LibraryModel::ColSeconds, 60},  {LibraryModel::ColRating, 70},
                                        {LibraryModel::ColLineage, 120}};
  for (auto [col, w] : widths) tree_->setColumnWidth(col, w);
  // The prompt goes last and takes the room left, so the short columns stay visible in a narrow dock.
  tree_->header()->moveSection(tree_->header()->visualIndex(LibraryModel::ColPrompt), LibraryModel::ColCount - 1);
  tree_->header()->moveSection(tree_->header()->visualIndex(LibraryModel::ColCreated), LibraryModel::ColCount - 2);
  tree_->header()->setStretchLastSection(true);
  lay->addWidget(tree_);
  // Activation is a double-click or Enter.
  connect(tree_, &QTreeView::activated, this, [this](const QModelIndex& i) {
    if (qint64 id = model_->id_at(i)) Q_EMIT reuse_requested(id);
  });
  tree_->setAccessibleName(tr("Seed library"));
}

qint64 SeedLibraryPanel::current_id() const { return model_->id_at(tree_->currentIndex()); }

void SeedLibraryPanel::changeEvent(QEvent* e) {
  if (e->type() == QEvent::LanguageChange) tree_->setAccessibleName(tr("Seed library"));
  QWidget::changeEvent(e);
}

}  // namespace ripen::ui
