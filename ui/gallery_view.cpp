#include "ui/gallery_view.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QTimer>
#include <QVBoxLayout>

#include "ui/gallery_model.h"

namespace ripen::ui {

GalleryView::GalleryView(GalleryModel* model, QWidget* parent) : QWidget(parent), model_(model) {
  setObjectName("GalleryView");
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(4, 4, 4, 4);
  auto* bar = new QHBoxLayout;
  search_ = new QLineEdit(this);
  search_->setObjectName("gallerySearch");
  search_->setClearButtonEnabled(true);
  mode_ = new QComboBox(this);
  mode_->setObjectName("galleryMode");
  mode_->addItem(QString(), QString());
  for (const char* m : {"fast", "quality", "lightning", "custom"}) mode_->addItem(QString(), QString(m));
  favourites_ = new QCheckBox(this);
  favourites_->setObjectName("galleryFavourites");
  count_ = new QLabel(this);
  bar->addWidget(search_, 1);
  bar->addWidget(mode_);
  bar->addWidget(favourites_);
  bar->addWidget(count_);
  lay->addLayout(bar);
  list_ = new QListView(this);
  list_->setObjectName("galleryList");
  list_->setViewMode(QListView::IconMode);
  list_->setIconSize({128, 128});
  list_->setGridSize({144, 164});
  list_->setUniformItemSizes(true);  // the view then asks only visible rows for data, so 10,000+ rows stay smooth
  list_->setResizeMode(QListView::Adjust);
  list_->setMovement(QListView::Static);
  list_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  list_->setDragEnabled(true);
  list_->setDragDropMode(QAbstractItemView::DragOnly);
  list_->setContextMenuPolicy(Qt::ActionsContextMenu);
  list_->setModel(model_);
  model_->set_thumbnail_size(128);
  lay->addWidget(list_, 1);
  debounce_ = new QTimer(this);
  debounce_->setSingleShot(true);
  debounce_->setInterval(250);
  connect(debounce_, &QTimer::timeout, this, &GalleryView::apply_filter);
  connect(search_, &QLineEdit::textChanged, debounce_, qOverload<>(&QTimer::start));
  connect(search_, &QLineEdit::returnPressed, this, &GalleryView::apply_filter);
  connect(mode_, &QComboBox::currentIndexChanged, this, &GalleryView::apply_filter);
  connect(favourites_, &QCheckBox::toggled, this, &GalleryView::apply_filter);
  connect(list_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &GalleryView::selection_changed);
  connect(list_, &QListView::activated, this,
          [this](const QModelIndex& i) { Q_EMIT activated(i.data(GalleryModel::IdRole).toLongLong()); });
  connect(model_, &QAbstractItemModel::modelReset, this, [this] {
    connect(list_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &GalleryView::selection_changed,
            Qt::UniqueConnection);
  });
  retranslate();
}

void GalleryView::retranslate() {
  search_->setPlaceholderText(tr("Search prompts…"));
  search_->setAccessibleName(tr("Search the gallery"));
  mode_->setItemText(0, tr("All modes"));
  mode_->setItemText(1, tr("Fast"));
  mode_->setItemText(2, tr("Quality"));
  mode_->setItemText(3, tr("Lightning"));
  mode_->setItemText(4, tr("Custom"));
  mode_->setAccessibleName(tr("Filter by mode"));
  favourites_->setText(tr("&Favourites"));
  favourites_->setAccessibleName(tr("Show favourites only"));
  list_->setAccessibleName(tr("Gallery"));
}

void GalleryView::changeEvent(QEvent* e) {
  if (e->type() == QEvent::LanguageChange) retranslate();
  QWidget::changeEvent(e);
}

library::GalleryFilter GalleryView::filter() const {
  library::GalleryFilter f;
  f.text = search_->text().trimmed().toStdString();
  const QString m = mode_->currentData().toString();
  if (!m.isEmpty()) f.mode = m.toStdString();
  if (favourites_->isChecked()) f.favourite = true;
  return f;
}

void GalleryView::apply_filter() {
  debounce_->stop();
  model_->set_filter(filter());
}

QList<qint64> GalleryView::selected_ids() const {
  QList<qint64> ids;
  if (!list_->selectionModel()) return ids;
  QModelIndexList sel = list_->selectionModel()->selectedIndexes();
  std::sort(sel.begin(), sel.end(), [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
  for (const auto& i : sel) ids << i.data(GalleryModel::IdRole).toLongLong();
  return ids;
}

qint64 GalleryView::current_id() const {
  QModelIndex i = list_->currentIndex();
  return i.isValid() ? i.data(GalleryModel::IdRole).toLongLong() : 0;
}

void GalleryView::select_id(qint64 id) {
  int r = model_->row_of(id);
  if (r < 0) return;
  QModelIndex i = model_->index(r);
  list_->selectionModel()->setCurrentIndex(i, QItemSelectionModel::ClearAndSelect);
  list_->scrollTo(i);
}

void GalleryView::set_context_actions(const QList<QAction*>& actions) {
  for (QAction* a : list_->actions()) list_->removeAction(a);
  list_->addActions(actions);
}

}  // namespace ripen::ui
