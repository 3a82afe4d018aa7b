#pragma once
// The Explore grid: N slots filled as the variations finish (each a fast-mode seed).
#include <QListWidget>

#include "ui/types.h"

namespace ripen::ui {

class VariationsGrid : public QListWidget {
  Q_OBJECT
 public:
  explicit VariationsGrid(QWidget* parent = nullptr);
  void start(const QList<quint64>& jobs, uint64_t first_seed);
  void on_finished(const JobResult& r);
  int filled() const { return filled_; }
  int slots() const { return count(); }
  qint64 id_at(int i) const;

 Q_SIGNALS:
  void image_activated(qint64 id);

 protected:
  void changeEvent(QEvent* e) override;

 private:
  void retranslate();
  QList<quint64> jobs_;
  int filled_ = 0;
};

}  // namespace ripen::ui
