#pragma once
// The engine's model catalogue (models/catalogue.h) for the studio: which roots the settings name, the
// checkpoints the model picker offers, and a tree model (kind -> entries, plus the roots' problems) for the
// Models dialog.
#include <QAbstractItemModel>
#include <QList>

#include "models/catalogue.h"
#include "ui/app_settings.h"

namespace ripen::ui {

models::CatalogueRoots catalogue_roots(const AppSettings& s);
models::Catalogue scan_catalogue(const AppSettings& s);
QString kind_title(models::ModelKind k);   // "Checkpoints", "UNet only", ... (translated)
QString arch_title(const std::string& a);  // "sdxl" -> "SDXL", "sd1/sd2" -> "SD 1.x / SD 2.x", "" -> "unknown"

class CatalogueModel : public QAbstractItemModel {
  Q_OBJECT
 public:
  enum Column { Name, Architecture, Format, Status, Path, ColumnCount };
  enum Role { UsableRole = Qt::UserRole + 1, PathRole };
  explicit CatalogueModel(QObject* parent = nullptr);
  void set_catalogue(models::Catalogue c);
  const models::Catalogue& catalogue() const { return catalogue_; }
  // The group row of a kind, and the problems' group row (invalid when there are none).
  QModelIndex group(models::ModelKind k) const;
  QModelIndex problems_group() const;

  QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
  QModelIndex parent(const QModelIndex& child) const override;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;

 private:
  struct Group {
    QString title;
    std::vector<const models::CatalogueEntry*> entries;  // empty for the problems group
    QStringList problems;
  };
  models::Catalogue catalogue_;
  std::vector<Group> groups_;  // one per kind, then the problems when there are any
};

}  // namespace ripen::ui
