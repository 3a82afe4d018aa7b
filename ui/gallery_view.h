#pragma once
// The gallery: search (full text), filters (mode, rating, tag, collection, date range, favourites), thumbnail grid
// over GalleryModel, multi-select, drag out; its context menu shows the main window's actions. The filters only
// build a library::GalleryFilter; the library's query does the filtering.
#include <QWidget>

#include "library/library.h"

class QCheckBox;
class QComboBox;
class QDateEdit;
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
  QComboBox* tag_filter() const { return tag_; }
  QComboBox* collection_filter() const { return collection_; }
  QComboBox* rating_filter() const { return rating_; }
  QComboBox* date_filter() const { return date_; }
  QDateEdit* from_date() const { return from_; }
  QDateEdit* to_date() const { return to_; }
  // Re-reads the tags and collections the filters offer (after they changed), keeping the current choices.
  void refresh_choices();

 Q_SIGNALS:
  void selection_changed();
  void activated(qint64 id);

 protected:
  void changeEvent(QEvent* e) override;

 private:
  void retranslate();
  void apply_filter();
  void update_count();
  GalleryModel* model_;
  QLineEdit* search_;
  QComboBox *mode_, *rating_, *tag_, *collection_, *date_;
  QDateEdit *from_, *to_;
  QCheckBox* favourites_;
  QListView* list_;
  QLabel* count_;
  QTimer* debounce_;
};

}  // namespace ripen::ui
