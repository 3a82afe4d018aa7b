#pragma once
// The LoRA or embedding files of the configured folders (lora/network_folders.h) as a Qt list model: name (the
// alias in brackets when the file has one), the preview beside the file as decoration, and the rest as roles for
// the networks panel's details. Files Ripen cannot use (pickles, broken headers) stay listed, greyed, with the
// reason as tooltip, so a user looking for one sees why it is not offered.
#include <QAbstractListModel>
#include <QHash>
#include <QPixmap>

#include "lora/network_folders.h"

namespace ripen::ui {

class NetworkListModel : public QAbstractListModel {
  Q_OBJECT
 public:
  enum Role { PathRole = Qt::UserRole + 1, NameRole, SearchTextRole, UsableRole };
  explicit NetworkListModel(QObject* parent = nullptr);

  void set_listing(lora::NetworkListing listing);
  const lora::NetworkInfo* at(int row) const;
  const lora::NetworkListing& listing() const { return listing_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;

 private:
  QPixmap preview(const lora::NetworkInfo& n) const;
  lora::NetworkListing listing_;
  mutable QHash<QString, QPixmap> previews_;  // by file: small, read once
};

}  // namespace ripen::ui
