#pragma once
// The seed library panel's model: a table of generations (newest first, paged by fetchMore) where each row's
// children are the generations promoted or polished from it (its lineage), loaded when expanded.
#include <QAbstractItemModel>
#include <functional>
#include <memory>

#include "library/library.h"

namespace ripen::ui {

class LibraryModel : public QAbstractItemModel {
  Q_OBJECT
 public:
  enum Column { ColId, ColCreated, ColPrompt, ColSeed, ColMode, ColSteps, ColSeconds, ColRating, ColLineage, ColCount };
  enum Role { IdRole = Qt::UserRole + 1 };
  using LibraryFn = std::function<library::Library*()>;
  explicit LibraryModel(LibraryFn library, QObject* parent = nullptr);
  ~LibraryModel() override;

  void reload();
  void set_filter(const library::GalleryFilter& f);
  qint64 id_at(const QModelIndex& index) const;
  QModelIndex index_of(qint64 id) const;  // top-level row of a loaded generation

  QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
  QModelIndex parent(const QModelIndex& child) const override;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  bool hasChildren(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation o, int role) const override;
  bool canFetchMore(const QModelIndex& parent) const override;
  void fetchMore(const QModelIndex& parent) override;

 private:
  struct Node;
  Node* node(const QModelIndex& i) const;
  void load_children(Node* n) const;

  LibraryFn library_;
  library::GalleryFilter filter_;
  std::unique_ptr<Node> root_;
  std::optional<library::PageCursor> next_;
  bool at_end_ = true;
};

}  // namespace ripen::ui
