#include "ui/library_model.h"

#include <QDateTime>

namespace ripen::ui {

struct LibraryModel::Node {
  library::Generation g;
  Node* parent = nullptr;
  int row = 0;
  std::vector<std::unique_ptr<Node>> children;
  bool children_loaded = false;
  bool has_children = false;
};

LibraryModel::LibraryModel(LibraryFn library, QObject* parent)
    : QAbstractItemModel(parent), library_(std::move(library)) {
  reload();
}
LibraryModel::~LibraryModel() = default;

void LibraryModel::set_filter(const library::GalleryFilter& f) {
  filter_ = f;
  reload();
}

void LibraryModel::reload() {
  beginResetModel();
  root_ = std::make_unique<Node>();
  root_->children_loaded = true;
  next_.reset();
  at_end_ = library_() == nullptr;
  endResetModel();
  if (!at_end_) fetchMore({});
}

LibraryModel::Node* LibraryModel::node(const QModelIndex& i) const {
  return i.isValid() ? static_cast<Node*>(i.internalPointer()) : root_.get();
}

void LibraryModel::load_children(Node* n) const {
  if (n->children_loaded) return;
  n->children_loaded = true;
  auto* lib = library_();
  if (!lib) return;
  try {
    for (auto& c : lib->children(n->g.id)) {
      auto child = std::make_unique<Node>();
      child->g = std::move(c);
      child->parent = n;
      child->row = int(n->children.size());
      n->children.push_back(std::move(child));
    }
  } catch (const std::exception&) {
  }
  n->has_children = !n->children.empty();
}

bool LibraryModel::canFetchMore(const QModelIndex& parent) const { return !parent.isValid() && !at_end_; }

void LibraryModel::fetchMore(const QModelIndex& parent) {
  if (parent.isValid() || at_end_) return;
  auto* lib = library_();
  library::GalleryPage page;
  try {
    page = lib->page(filter_, 200, next_);
  } catch (const std::exception&) {
    at_end_ = true;
    return;
  }
  next_ = page.next;
  at_end_ = !page.next;
  if (page.items.empty()) return;
  const int first = int(root_->children.size());
  beginInsertRows({}, first, first + int(page.items.size()) - 1);
  for (auto& g : page.items) {
    auto n = std::make_unique<Node>();
    n->g = std::move(g);
    n->parent = root_.get();
    n->row = int(root_->children.size());
    n->has_children = true;  // unknown until expanded
    root_->children.push_back(std::move(n));
  }
  endInsertRows();
}

qint64 LibraryModel::id_at(const QModelIndex& index) const { return index.isValid() ? node(index)->g.id : 0; }

QModelIndex LibraryModel::index_of(qint64 id) const {
  for (const auto& n : root_->children)
    if (n->g.id == id) return createIndex(n->row, 0, n.get());
  return {};
}

QModelIndex LibraryModel::index(int row, int column, const QModelIndex& parent) const {
  Node* p = node(parent);
  load_children(p);
  if (row < 0 || row >= int(p->children.size()) || column < 0 || column >= ColCount) return {};
  return createIndex(row, column, p->children[size_t(row)].get());
}

QModelIndex LibraryModel::parent(const QModelIndex& child) const {
  if (!child.isValid()) return {};
  Node* n = node(child);
  if (!n->parent || n->parent == root_.get()) return {};
  return createIndex(n->parent->row, 0, n->parent);
}

int LibraryModel::rowCount(const QModelIndex& parent) const {
  if (parent.column() > 0) return 0;
  Node* p = node(parent);
  load_children(p);
  return int(p->children.size());
}

int LibraryModel::columnCount(const QModelIndex&) const { return ColCount; }

bool LibraryModel::hasChildren(const QModelIndex& parent) const {
  Node* p = node(parent);
  if (p == root_.get()) return !p->children.empty();
  return p->children_loaded ? !p->children.empty() : p->has_children;
}

QVariant LibraryModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  const auto& g = node(index)->g;
  if (role == IdRole) return QVariant::fromValue<qint64>(g.id);
  if (role == Qt::ToolTipRole) return QString::fromStdString(g.request.prompt);
  if (role == Qt::TextAlignmentRole && (index.column() == ColId || index.column() == ColSeed ||
                                        index.column() == ColSteps || index.column() == ColSeconds))
    return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case ColId: return QVariant::fromValue<qint64>(g.id);
    case ColCreated: return QDateTime::fromMSecsSinceEpoch(g.created_at_ms).toString("yyyy-MM-dd hh:mm:ss");
    case ColPrompt: return QString::fromStdString(g.request.prompt).simplified();
    case ColSeed: return QString::number(g.request.seed);
    case ColMode: return QString::fromStdString(g.mode);
    case ColSteps: return g.record.steps_used;
    case ColSeconds: return QString::number(g.record.seconds_total, 'f', 2);
    case ColRating: return (g.favourite ? QStringLiteral("♥ ") : QString()) + QString(g.rating, QChar(0x2605));
    case ColLineage:
      return g.request.promote == PromoteMode::None
                 ? QString()
                 : tr("%1 of #%2").arg(QString::fromStdString(to_string(g.request.promote)))
                       .arg(g.request.parent_id.value_or(0));
  }
  return {};
}

QVariant LibraryModel::headerData(int section, Qt::Orientation o, int role) const {
  if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case ColId: return tr("ID");
    case ColCreated: return tr("Created");
    case ColPrompt: return tr("Prompt");
    case ColSeed: return tr("Seed");
    case ColMode: return tr("Mode");
    case ColSteps: return tr("Steps");
    case ColSeconds: return tr("Seconds");
    case ColRating: return tr("Rating");
    case ColLineage: return tr("Lineage");
  }
  return {};
}

}  // namespace ripen::ui
