#include "ui/catalogue_model.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QFont>
#include <QLocale>
#include <QPalette>

namespace ripen::ui {

// "sd1/sd2" -> "SD 1.x / SD 2.x".
QString arch_title(const std::string& a) {
  if (a.empty()) return CatalogueModel::tr("unknown");
  static const std::pair<const char*, const char*> kTitles[] = {{"sd1", "SD 1.x"}, {"sd2", "SD 2.x"}, {"sdxl", "SDXL"}};
  QStringList parts;
  for (const QString& p : QString::fromStdString(a).split('/')) {
    QString t = p;
    for (const auto& [id, title] : kTitles)
      if (p == QLatin1String(id)) t = QLatin1String(title);
    parts << t;
  }
  return parts.join(" / ");
}

namespace {
// The refusal without the path it starts with, up to its first sentence: what the Status column shows.
QString short_problem(const models::CatalogueEntry& e) {
  QString p = QString::fromStdString(e.problem).replace(QString::fromStdString(e.path) + ": ", QString());
  const int end = p.indexOf(". ");
  return (end > 0 ? p.left(end) : p).left(100);
}
}  // namespace

models::CatalogueRoots catalogue_roots(const AppSettings& s) {
  models::CatalogueRoots r;
  for (const QString& f : s.install_folders) r.installs.push_back(QDir::cleanPath(f).toStdString());
  if (!s.extra_model_paths.trimmed().isEmpty()) r.extra_model_paths.push_back(s.extra_model_paths.trimmed().toStdString());
  for (const QString& f : s.model_folders) r.checkpoint_folders.push_back(QFileInfo(f).absoluteFilePath().toStdString());
  return r;
}

models::Catalogue scan_catalogue(const AppSettings& s) { return models::scan_catalogue(catalogue_roots(s)); }

QString kind_title(models::ModelKind k) {
  switch (k) {
    case models::ModelKind::Checkpoint: return CatalogueModel::tr("Checkpoints");
    case models::ModelKind::Unet: return CatalogueModel::tr("UNet only");
    case models::ModelKind::Vae: return CatalogueModel::tr("VAEs");
    case models::ModelKind::PreviewDecoder: return CatalogueModel::tr("Preview decoders (TAESD)");
    case models::ModelKind::Lora: return CatalogueModel::tr("LoRAs");
    case models::ModelKind::Embedding: return CatalogueModel::tr("Embeddings");
  }
  return {};
}

CatalogueModel::CatalogueModel(QObject* parent) : QAbstractItemModel(parent) { set_catalogue({}); }

void CatalogueModel::set_catalogue(models::Catalogue c) {
  beginResetModel();
  catalogue_ = std::move(c);
  groups_.clear();
  for (models::ModelKind k : models::kAllModelKinds) {
    Group g{kind_title(k), {}, {}};
    for (const auto& e : catalogue_.entries)
      if (e.kind == k) g.entries.push_back(&e);
    groups_.push_back(std::move(g));
  }
  if (!catalogue_.problems.empty()) {
    Group g{tr("Problems"), {}, {}};
    for (const auto& p : catalogue_.problems) g.problems << QString::fromStdString(p);
    groups_.push_back(std::move(g));
  }
  endResetModel();
}

QModelIndex CatalogueModel::group(models::ModelKind k) const { return index(int(k), 0); }

QModelIndex CatalogueModel::problems_group() const {
  return groups_.size() > std::size(models::kAllModelKinds) ? index(int(groups_.size()) - 1, 0) : QModelIndex();
}

// Group rows have internalId 0, entry rows the group's row + 1.
QModelIndex CatalogueModel::index(int row, int column, const QModelIndex& parent) const {
  if (column < 0 || column >= ColumnCount || row < 0) return {};
  if (!parent.isValid()) return row < int(groups_.size()) ? createIndex(row, column, quintptr(0)) : QModelIndex();
  if (parent.internalId() != 0 || row >= rowCount(parent)) return {};
  return createIndex(row, column, quintptr(parent.row() + 1));
}

QModelIndex CatalogueModel::parent(const QModelIndex& child) const {
  if (!child.isValid() || child.internalId() == 0) return {};
  return createIndex(int(child.internalId()) - 1, 0, quintptr(0));
}

int CatalogueModel::rowCount(const QModelIndex& parent) const {
  if (!parent.isValid()) return int(groups_.size());
  if (parent.internalId() != 0 || parent.column() != 0) return 0;
  const Group& g = groups_[size_t(parent.row())];
  return int(g.entries.size()) + int(g.problems.size());
}

int CatalogueModel::columnCount(const QModelIndex&) const { return ColumnCount; }

QVariant CatalogueModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  if (index.internalId() == 0) {
    const Group& g = groups_[size_t(index.row())];
    if (index.column() != Name) return {};
    if (role == Qt::DisplayRole)
      return QStringLiteral("%1 (%2)").arg(g.title).arg(g.entries.size() + size_t(g.problems.size()));
    if (role == Qt::FontRole) {
      QFont f = QApplication::font();
      f.setBold(true);
      return f;
    }
    return {};
  }
  const Group& g = groups_[size_t(index.internalId() - 1)];
  if (!g.problems.isEmpty()) {
    const QString& p = g.problems[index.row()];
    if (index.column() == Name && (role == Qt::DisplayRole || role == Qt::ToolTipRole)) return p;
    return {};
  }
  const models::CatalogueEntry& e = *g.entries[size_t(index.row())];
  const QString problem = QString::fromStdString(e.problem);
  switch (role) {
    case Qt::DisplayRole:
      switch (index.column()) {
        case Name: return QString::fromStdString(e.name);
        case Architecture: return arch_title(e.arch);
        case Format:
          return e.bytes > 0 ? QStringLiteral("%1 · %2").arg(QString::fromStdString(e.format),
                                                             QLocale().formattedDataSize(e.bytes))
                             : QString::fromStdString(e.format);
        case Status: return e.usable() ? tr("Ready") : short_problem(e);
        case Path: return QString::fromStdString(e.path);
      }
      return {};
    case Qt::ToolTipRole:
      return e.usable() ? QStringLiteral("%1\n%2").arg(QString::fromStdString(e.path), QString::fromStdString(e.detail))
                        : problem;
    case Qt::ForegroundRole:
      if (!e.usable()) return QApplication::palette().brush(QPalette::Disabled, QPalette::Text);
      return {};
    case UsableRole: return e.usable();
    case PathRole: return QString::fromStdString(e.path);
  }
  return {};
}

QVariant CatalogueModel::headerData(int section, Qt::Orientation o, int role) const {
  if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Name: return tr("Name");
    case Architecture: return tr("Architecture");
    case Format: return tr("Format");
    case Status: return tr("Status");
    case Path: return tr("Path");
  }
  return {};
}

Qt::ItemFlags CatalogueModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  return Qt::ItemIsEnabled | Qt::ItemIsSelectable;
}

}  // namespace ripen::ui
