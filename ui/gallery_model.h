#pragma once
// The gallery: a list model over the seed library, newest first, loaded page by page (keyset pagination) as the
// view scrolls (fetchMore), with thumbnails made on a thread pool only for rows the view shows.
#include <QAbstractListModel>
#include <QCache>
#include <QPixmap>
#include <QSet>
#include <functional>

#include "library/library.h"
#include "ui/thumbnail_loader.h"

namespace ripen::ui {

class GalleryModel : public QAbstractListModel {
  Q_OBJECT
 public:
  enum Role {
    IdRole = Qt::UserRole + 1,
    SeedRole,
    PromptRole,
    ModeRole,
    FavouriteRole,
    RatingRole,
    PathRole,
    ParentRole,
    StepsRole,
    SecondsRole,
  };
  using LibraryFn = std::function<library::Library*()>;
  explicit GalleryModel(LibraryFn library, QObject* parent = nullptr);

  void set_filter(const library::GalleryFilter& filter);
  const library::GalleryFilter& filter() const { return filter_; }
  void reload();
  void prepend(const QList<qint64>& ids);  // new generations (newest first order)
  void refresh_rows(const QList<qint64>& ids);
  int row_of(qint64 id) const;
  qint64 id_at(int row) const;
  void set_page_size(int n) { page_size_ = n; }
  void set_thumbnail_size(int px) { thumb_size_ = px; }
  ThumbnailLoader* loader() { return &loader_; }
  // What the tag and collection filters offer (from the library; empty without one).
  std::vector<std::pair<std::string, int64_t>> available_tags() const;
  std::vector<std::pair<int64_t, std::string>> available_collections() const;

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  bool canFetchMore(const QModelIndex& parent) const override;
  void fetchMore(const QModelIndex& parent) override;
  QStringList mimeTypes() const override;
  QMimeData* mimeData(const QModelIndexList& indexes) const override;
  Qt::DropActions supportedDragActions() const override { return Qt::CopyAction; }

 private:
  void on_thumbnail(qint64 id, const QImage& img, quint64 gen);
  bool matches(const library::Generation& g) const;

  LibraryFn library_;
  library::GalleryFilter filter_;
  std::vector<library::Generation> rows_;
  QHash<qint64, int> row_by_id_;
  std::optional<library::PageCursor> next_;
  bool at_end_ = true;
  int page_size_ = 120;
  int thumb_size_ = 160;
  ThumbnailLoader loader_;
  // Cost in KiB: at most 64 MiB of decoded thumbnails, whatever the library's size.
  mutable QCache<qint64, QPixmap> thumbs_{64 * 1024};
  mutable QSet<qint64> pending_;
};

}  // namespace ripen::ui
