#pragma once
// The seed library panel: every generation in a table whose rows expand into their lineage (promotions and
// polished finals). Double-click reuses the settings.
#include <QWidget>

class QTreeView;

namespace ripen::ui {

class LibraryModel;

class SeedLibraryPanel : public QWidget {
  Q_OBJECT
 public:
  SeedLibraryPanel(LibraryModel* model, QWidget* parent = nullptr);
  QTreeView* tree() const { return tree_; }
  qint64 current_id() const;

 Q_SIGNALS:
  void reuse_requested(qint64 id);
  void current_changed(qint64 id);

 protected:
  void changeEvent(QEvent* e) override;

 private:
  LibraryModel* model_;
  QTreeView* tree_;
};

}  // namespace ripen::ui
