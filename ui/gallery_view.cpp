#include "ui/gallery_view.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
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
  for (const char* m : {"fast", "quality", "lightning", "draft", "custom"}) mode_->addItem(QString(), QString(m));
  rating_ = new QComboBox(this);
  rating_->setObjectName("galleryRating");
  for (int r = 0; r <= 5; ++r) rating_->addItem(QString(), r);
  tag_ = new QComboBox(this);
  tag_->setObjectName("galleryTag");
  tag_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  collection_ = new QComboBox(this);
  collection_->setObjectName("galleryCollection");
  collection_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  date_ = new QComboBox(this);
  date_->setObjectName("galleryDate");
  for (int days : {-1, 0, 7, 30, 365, -2}) date_->addItem(QString(), days);  // -1: any time, -2: custom range
  from_ = new QDateEdit(QDate::currentDate().addDays(-7), this);
  from_->setObjectName("galleryFrom");
  to_ = new QDateEdit(QDate::currentDate(), this);
  to_->setObjectName("galleryTo");
  for (QDateEdit* d : {from_, to_}) {
    d->setCalendarPopup(true);
    d->setVisible(false);
  }
  favourites_ = new QCheckBox(this);
  favourites_->setObjectName("galleryFavourites");
  count_ = new QLabel(this);
  count_->setObjectName("galleryCount");
  bar->addWidget(search_, 1);
  for (QWidget* wdg : std::initializer_list<QWidget*>{mode_, rating_, tag_, collection_, date_, from_, to_, favourites_, count_})
    bar->addWidget(wdg);
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
  for (QComboBox* c : {rating_, tag_, collection_}) connect(c, &QComboBox::currentIndexChanged, this, &GalleryView::apply_filter);
  connect(date_, &QComboBox::currentIndexChanged, this, [this] {
    const bool custom = date_->currentData().toInt() == -2;
    from_->setVisible(custom);
    to_->setVisible(custom);
    apply_filter();
  });
  for (QDateEdit* d : {from_, to_}) connect(d, &QDateEdit::dateChanged, this, &GalleryView::apply_filter);
  connect(model_, &QAbstractItemModel::modelReset, this, &GalleryView::update_count);
  connect(model_, &QAbstractItemModel::rowsInserted, this, &GalleryView::update_count);
  connect(list_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &GalleryView::selection_changed);
  connect(list_, &QListView::activated, this,
          [this](const QModelIndex& i) { Q_EMIT activated(i.data(GalleryModel::IdRole).toLongLong()); });
  connect(model_, &QAbstractItemModel::modelReset, this, [this] {
    connect(list_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &GalleryView::selection_changed,
            Qt::UniqueConnection);
  });
  refresh_choices();
  retranslate();
}

void GalleryView::refresh_choices() {
  auto refill = [](QComboBox* box, const QList<QPair<QVariant, QString>>& items) {
    const QVariant keep = box->currentData();
    const QSignalBlocker block(box);
    while (box->count() > 1) box->removeItem(1);
    for (const auto& [data, text] : items) box->addItem(text, data);
    const int i = box->findData(keep);
    box->setCurrentIndex(i < 0 ? 0 : i);
    return i < 0 && keep.isValid() && !keep.toString().isEmpty();  // the chosen one is gone
  };
  if (tag_->count() == 0) tag_->addItem(QString(), QString());
  if (collection_->count() == 0) collection_->addItem(QString(), QVariant::fromValue<qint64>(0));
  QList<QPair<QVariant, QString>> tags, cols;
  for (const auto& [tag, n] : model_->available_tags())
    tags.push_back({QString::fromStdString(tag), QStringLiteral("%1 (%2)").arg(QString::fromStdString(tag)).arg(n)});
  for (const auto& [id, name] : model_->available_collections())
    cols.push_back({QVariant::fromValue<qint64>(id), QString::fromStdString(name)});
  const bool gone = refill(tag_, tags) | refill(collection_, cols);
  tag_->setEnabled(tag_->count() > 1 || tag_->currentIndex() > 0);
  collection_->setEnabled(collection_->count() > 1 || collection_->currentIndex() > 0);
  if (gone) apply_filter();
}

void GalleryView::update_count() {
  const int n = model_->rowCount();
  count_->setText(model_->canFetchMore({}) ? tr("%1+ images").arg(n) : tr("%n image(s)", nullptr, n));
}

void GalleryView::retranslate() {
  search_->setPlaceholderText(tr("Search prompts…"));
  search_->setAccessibleName(tr("Search the gallery"));
  mode_->setItemText(0, tr("All modes"));
  mode_->setItemText(1, tr("Fast"));
  mode_->setItemText(2, tr("Quality"));
  mode_->setItemText(3, tr("Lightning"));
  mode_->setItemText(4, tr("Draft"));
  mode_->setItemText(5, tr("Custom"));
  mode_->setAccessibleName(tr("Filter by mode"));
  rating_->setItemText(0, tr("Any rating"));
  for (int r = 1; r <= 5; ++r) rating_->setItemText(r, r == 5 ? QString(5, QChar(0x2605)) : tr("%1 or more").arg(QString(r, QChar(0x2605))));
  rating_->setAccessibleName(tr("Filter by rating"));
  rating_->setToolTip(tr("Show images rated at least this"));
  tag_->setItemText(0, tr("All tags"));
  tag_->setAccessibleName(tr("Filter by tag"));
  tag_->setToolTip(tr("Show images with this tag (edit tags with Ctrl+T)"));
  collection_->setItemText(0, tr("All collections"));
  collection_->setAccessibleName(tr("Filter by collection"));
  collection_->setToolTip(tr("Show the images of one collection"));
  date_->setItemText(0, tr("Any time"));
  date_->setItemText(1, tr("Today"));
  date_->setItemText(2, tr("Last 7 days"));
  date_->setItemText(3, tr("Last 30 days"));
  date_->setItemText(4, tr("Last 12 months"));
  date_->setItemText(5, tr("Date range…"));
  date_->setAccessibleName(tr("Filter by date"));
  from_->setAccessibleName(tr("From date"));
  from_->setToolTip(tr("First day shown"));
  to_->setAccessibleName(tr("To date"));
  to_->setToolTip(tr("Last day shown"));
  favourites_->setText(tr("&Favourites"));
  favourites_->setAccessibleName(tr("Show favourites only"));
  count_->setAccessibleName(tr("Number of images shown"));
  update_count();
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
  if (int r = rating_->currentData().toInt(); r > 0) f.min_rating = r;
  if (const QString t = tag_->currentData().toString(); !t.isEmpty()) f.tag = t.toStdString();
  if (qint64 c = collection_->currentData().toLongLong(); c > 0) f.collection_id = c;
  const int days = date_->currentData().toInt();
  if (days >= 0) {
    f.from_ms = QDate::currentDate().addDays(-days).startOfDay().toMSecsSinceEpoch();
  } else if (days == -2) {
    const QDate a = std::min(from_->date(), to_->date()), b = std::max(from_->date(), to_->date());
    f.from_ms = a.startOfDay().toMSecsSinceEpoch();
    f.to_ms = b.endOfDay().toMSecsSinceEpoch();
  }
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
