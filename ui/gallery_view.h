#pragma once
// The gallery: search (full text), filters, thumbnail grid over GalleryModel, multi-select, drag out; its context
// menu shows the main window's actions.
#include <QWidget>

#include "library/library.h"

class QCheckBox;
class QComboBox;
class QLineEdit;
class QListView;
class QLabel;
class QTimer;

namespace ripen::ui {

class GalleryModel;

class GalleryView : public QWidget {
  Q_OBJECT
 public:
  GalleryView(GalleryModel* model, QWidget* parent = nullptr);
  QList<qint64> selected_ids() const;
  qint64 current_id() const;
  void select_id(qint64 id);
  void set_context_actions(const QList<QAction*>& actions);
  QListView* list() const { return list_; }
  QLineEdit* search() const { return search_; }
  library::GalleryFilter filter() const;

 Q_SIGNALS:
  void selection_changed();
  void activated(qint64 id);

 protected:
  void changeEvent(QEvent* e) override;

 private:
  void retranslate();
  void apply_filter();
  GalleryModel* model_;
  QLineEdit* search_;
  QComboBox* mode_;
  QCheckBox* favourites_;
  QListView* list_;
  QLabel* count_;
  QTimer* debounce_;
};

}  // namespace ripen::ui
