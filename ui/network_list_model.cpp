#include "ui/network_list_model.h"

#include <QImageReader>
#include <QPalette>
#include <QApplication>

namespace ripen::ui {
namespace {
constexpr int kPreviewSize = 48;
QString qs(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

NetworkListModel::NetworkListModel(QObject* parent) : QAbstractListModel(parent) {}

void NetworkListModel::set_listing(lora::NetworkListing listing) {
  beginResetModel();
  listing_ = std::move(listing);
  previews_.clear();
  endResetModel();
}

const lora::NetworkInfo* NetworkListModel::at(int row) const {
  return row >= 0 && row < int(listing_.networks.size()) ? &listing_.networks[size_t(row)] : nullptr;
}

int NetworkListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(listing_.networks.size());
}

QPixmap NetworkListModel::preview(const lora::NetworkInfo& n) const {
  const QString key = qs(n.path);
  if (auto it = previews_.find(key); it != previews_.end()) return *it;
  QPixmap p;
  if (!n.preview.empty()) {
    QImageReader reader(qs(n.preview));
    const QSize size = reader.size();
    if (size.isValid()) reader.setScaledSize(size.scaled(kPreviewSize, kPreviewSize, Qt::KeepAspectRatio));
    p = QPixmap::fromImage(reader.read());
  }
  previews_.insert(key, p);
  return p;
}

QVariant NetworkListModel::data(const QModelIndex& index, int role) const {
  const lora::NetworkInfo* n = at(index.row());
  if (!n) return {};
  switch (role) {
    case Qt::DisplayRole:
      return n->alias.empty() || n->alias == n->name ? qs(n->name) : QStringLiteral("%1 (%2)").arg(qs(n->name), qs(n->alias));
    case Qt::ToolTipRole:
      return n->usable() ? qs(n->path) : qs(n->problem);
    case Qt::DecorationRole: {
      QPixmap p = preview(*n);
      return p.isNull() ? QVariant() : QVariant(p);
    }
    case Qt::ForegroundRole:
      return n->usable() ? QVariant() : QVariant(QApplication::palette().color(QPalette::Disabled, QPalette::Text));
    case PathRole: return qs(n->path);
    case NameRole: return qs(n->name);
    case UsableRole: return n->usable();
    case SearchTextRole: {
      // What the search field matches: names, the path below the folder, the trigger words and the title.
      QString text = qs(n->name) + ' ' + qs(n->alias) + ' ' + qs(n->relative) + ' ' + qs(n->title) + ' ' +
                     qs(n->trigger_phrase) + ' ' + qs(n->base_model);
      for (const auto& t : n->tags) text += ' ' + qs(t.tag);
      return text;
    }
    default: return {};
  }
}

Qt::ItemFlags NetworkListModel::flags(const QModelIndex& index) const {
  const lora::NetworkInfo* n = at(index.row());
  if (!n) return Qt::NoItemFlags;
  // Unusable files stay selectable so their details (the reason) can be read.
  return Qt::ItemIsEnabled | Qt::ItemIsSelectable;
}

}  // namespace ripen::ui
