#pragma once
// The Networks dock: the LoRA and embedding files of the configured folders, a search field over names, paths and
// trigger words, and the chosen file's details — its preview, base model (flagged when it is not the current
// model's), trigger words to click into the prompt, and "Add" with a weight. A LoRA goes to the prompt panel's
// active list; an embedding's name goes into the prompt or the negative prompt, where the engine finds it.
#include <QWidget>
#include <functional>

#include "lora/network_folders.h"
#include "pipeline/request.h"
#include "ui/types.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QSortFilterProxyModel;

namespace ripen::ui {

class NetworkListModel;

class NetworksPanel : public QWidget {
  Q_OBJECT
 public:
  using Scan = std::function<lora::NetworkListing(lora::NetworkKind)>;
  explicit NetworksPanel(Scan scan, QWidget* parent = nullptr);

  void rescan();
  // The current model's family ("sd1", "sd2", "sdxl"; empty: unknown), to flag networks made for another.
  void set_model_arch(const QString& arch);
  lora::NetworkKind kind() const;
  void set_kind(lora::NetworkKind k);
  QLineEdit* search() const { return search_; }
  QListView* list() const { return list_; }
  NetworkListModel* model() const { return model_; }
  void select_row(int source_row);
  void add_current();  // what the Add button does

 Q_SIGNALS:
  void add_network(const NetworkRef& network);
  void insert_into_prompt(const QString& text);
  void insert_into_negative(const QString& text);

 protected:
  void changeEvent(QEvent* e) override;

 private:
  void retranslate();
  void show_details();
  const lora::NetworkInfo* current() const;

  Scan scan_;
  QString model_arch_;
  NetworkListModel* model_;
  QSortFilterProxyModel* filter_;
  QComboBox* kind_;
  QLineEdit* search_;
  QPushButton* rescan_;
  QListView* list_;
  QLabel *summary_, *preview_, *title_, *base_, *tags_label_, *tags_, *problem_, *weight_label_;
  QDoubleSpinBox* weight_;
  QPushButton *add_, *add_negative_;
};

}  // namespace ripen::ui
