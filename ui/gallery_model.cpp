#include "ui/gallery_model.h"

#include <QFileInfo>
#include <QMimeData>
#include <QPixmap>
#include <QUrl>

namespace ripen::ui {

GalleryModel::GalleryModel(LibraryFn library, QObject* parent) : QAbstractListModel(parent), library_(std::move(library)) {
  connect(&loader_, &ThumbnailLoader::loaded, this, &GalleryModel::on_thumbnail);
  reload();
}

void GalleryModel::set_filter(const library::GalleryFilter& filter) {
  filter_ = filter;
  reload();
}

void GalleryModel::reload() {
  beginResetModel();
  loader_.forget();
  pending_.clear();
  rows_.clear();
  row_by_id_.clear();
  next_.reset();
  at_end_ = library_() == nullptr;
  endResetModel();
  if (!at_end_) fetchMore({});
}

bool GalleryModel::canFetchMore(const QModelIndex& parent) const { return !parent.isValid() && !at_end_; }

void GalleryModel::fetchMore(const QModelIndex& parent) {
  if (parent.isValid() || at_end_) return;
  auto* lib = library_();
  if (!lib) return;
  library::GalleryPage page;
  try {
    page = lib->page(filter_, page_size_, next_);
  } catch (const std::exception&) {
    at_end_ = true;
    return;
  }
  next_ = page.next;
  at_end_ = !page.next.has_value();
  if (page.items.empty()) return;
  const int first = int(rows_.size());
  beginInsertRows({}, first, first + int(page.items.size()) - 1);
  for (auto& g : page.items) {
    row_by_id_.insert(g.id, int(rows_.size()));
    rows_.push_back(std::move(g));
  }
  endInsertRows();
}

bool GalleryModel::matches(const library::Generation& g) const {
  const auto& f = filter_;
  if (!f.text.empty() || f.model || f.tag || f.collection_id || f.from_ms || f.to_ms) return false;  // let a reload decide
  if (f.mode && *f.mode != g.mode) return false;
  if (f.favourite && *f.favourite != g.favourite) return false;
  if (f.min_rating && g.rating < *f.min_rating) return false;
  return true;
}

std::vector<std::pair<std::string, int64_t>> GalleryModel::available_tags() const {
  auto* lib = library_();
  if (!lib) return {};
  try {
    return lib->tags();
  } catch (const std::exception&) {
    return {};
  }
}

std::vector<std::pair<int64_t, std::string>> GalleryModel::available_collections() const {
  auto* lib = library_();
  if (!lib) return {};
  try {
    return lib->collections();
  } catch (const std::exception&) {
    return {};
  }
}

void GalleryModel::prepend(const QList<qint64>& ids) {
  auto* lib = library_();
  if (!lib) return;
  const auto& f = filter_;
  if (!f.text.empty() || f.model || f.tag || f.collection_id || f.from_ms || f.to_ms) {
    reload();
    return;
  }
  std::vector<library::Generation> add;
  for (auto it = ids.rbegin(); it != ids.rend(); ++it)  // the newest (last stored) first
    if (auto g = lib->get(*it); g && matches(*g) && !row_by_id_.contains(g->id)) add.push_back(std::move(*g));
  if (add.empty()) return;
  beginInsertRows({}, 0, int(add.size()) - 1);
  rows_.insert(rows_.begin(), std::make_move_iterator(add.begin()), std::make_move_iterator(add.end()));
  row_by_id_.clear();
  for (int i = 0; i < int(rows_.size()); ++i) row_by_id_.insert(rows_[size_t(i)].id, i);
  endInsertRows();
}

void GalleryModel::refresh_rows(const QList<qint64>& ids) {
  auto* lib = library_();
  if (!lib) return;
  for (qint64 id : ids) {
    int r = row_of(id);
    if (r < 0) continue;
    if (auto g = lib->get(id)) {
      rows_[size_t(r)] = std::move(*g);
      Q_EMIT dataChanged(index(r), index(r));
    }
  }
}

int GalleryModel::row_of(qint64 id) const { return row_by_id_.value(id, -1); }
qint64 GalleryModel::id_at(int row) const {
  return row >= 0 && row < int(rows_.size()) ? rows_[size_t(row)].id : 0;
}

int GalleryModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }

QVariant GalleryModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= int(rows_.size())) return {};
  const auto& g = rows_[size_t(index.row())];
  switch (role) {
    case Qt::DisplayRole:
      return QStringLiteral("%1%2").arg(g.favourite ? QStringLiteral("★ ") : QString()).arg(g.request.seed);
    case Qt::ToolTipRole: {
      QString tip = tr("#%1 · seed %2 · %3 · %4 steps · %5 s\n%6")
                        .arg(g.id)
                        .arg(g.request.seed)
                        .arg(QString::fromStdString(g.mode))
                        .arg(g.record.steps_used)
                        .arg(g.record.seconds_total, 0, 'f', 2)
                        .arg(QString::fromStdString(g.request.prompt));
      for (const auto& n : g.request.networks)
        tip += "\n" + (n.te == n.unet ? tr("LoRA %1: %2").arg(QString::fromStdString(n.name)).arg(n.unet)
                                       : tr("LoRA %1: text %2, UNet %3")
                                             .arg(QString::fromStdString(n.name)).arg(n.te).arg(n.unet));
      return tip;
    }
    case Qt::AccessibleTextRole:
      return tr("Image %1, seed %2, %3").arg(g.id).arg(g.request.seed).arg(QString::fromStdString(g.request.prompt));
    case Qt::DecorationRole: {
      if (QPixmap* p = thumbs_.object(g.id)) return *p;
      if (!pending_.contains(g.id)) {
        pending_.insert(g.id);
        auto* lib = library_();
        if (lib)
          const_cast<ThumbnailLoader&>(loader_).request(g.id, QString::fromStdString(lib->dir().string()),
                                                        QString::fromStdString(lib->image_file(g).string()),
                                                        !lib->read_only(), thumb_size_);
      }
      // A placeholder of the final size keeps the grid's uniform item size right before thumbnails arrive.
      static QPixmap placeholder;
      if (placeholder.width() != thumb_size_) {
        placeholder = QPixmap(thumb_size_, thumb_size_);
        placeholder.fill(QColor(128, 128, 128, 40));
      }
      return placeholder;
    }
    case IdRole: return QVariant::fromValue<qint64>(g.id);
    case SeedRole: return QVariant::fromValue<qulonglong>(g.request.seed);
    case PromptRole: return QString::fromStdString(g.request.prompt);
    case ModeRole: return QString::fromStdString(g.mode);
    case FavouriteRole: return g.favourite;
    case RatingRole: return g.rating;
    case PathRole: {
      auto* lib = library_();
      return lib ? QString::fromStdString(lib->image_file(g).string()) : QString();
    }
    case ParentRole: return QVariant::fromValue<qint64>(g.request.parent_id.value_or(0));
    case StepsRole: return g.record.steps_used;
    case SecondsRole: return g.record.seconds_total;
  }
  return {};
}

void GalleryModel::on_thumbnail(qint64 id, const QImage& img, quint64 gen) {
  if (gen != loader_.generation()) return;
  pending_.remove(id);
  if (img.isNull()) return;
  auto* pixmap = new QPixmap(QPixmap::fromImage(img));
  thumbs_.insert(id, pixmap, std::max<qsizetype>(1, qsizetype(img.sizeInBytes()) / 1024));
  int r = row_of(id);
  if (r >= 0) Q_EMIT dataChanged(index(r), index(r), {Qt::DecorationRole});
}

Qt::ItemFlags GalleryModel::flags(const QModelIndex& index) const {
  auto f = QAbstractListModel::flags(index);
  if (index.isValid()) f |= Qt::ItemIsDragEnabled;
  return f;
}

QStringList GalleryModel::mimeTypes() const { return {"text/uri-list"}; }

QMimeData* GalleryModel::mimeData(const QModelIndexList& indexes) const {
  QList<QUrl> urls;
  for (const auto& i : indexes) {
    const QString p = data(i, PathRole).toString();
    if (!p.isEmpty()) urls << QUrl::fromLocalFile(p);
  }
  auto* m = new QMimeData;
  m->setUrls(urls);
  return m;
}

}  // namespace ripen::ui
