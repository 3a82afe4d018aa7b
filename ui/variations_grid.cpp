#include "ui/variations_grid.h"

#include <QEvent>
#include <QPainter>

namespace ripen::ui {
namespace {
constexpr int kIdRole = Qt::UserRole + 1;
constexpr int kSeedRole = Qt::UserRole + 2;
QIcon placeholder(int size) {
  QPixmap p(size, size);
  p.fill(QColor(128, 128, 128, 60));
  return QIcon(p);
}
}  // namespace

VariationsGrid::VariationsGrid(QWidget* parent) : QListWidget(parent) {
  setObjectName("VariationsGrid");
  setViewMode(QListView::IconMode);
  setIconSize({192, 192});
  setGridSize({208, 228});
  setResizeMode(QListView::Adjust);
  setMovement(QListView::Static);
  setUniformItemSizes(true);
  setSelectionMode(QAbstractItemView::ExtendedSelection);
  connect(this, &QListWidget::itemActivated, this, [this](QListWidgetItem* it) {
    qint64 id = it->data(kIdRole).toLongLong();
    if (id) Q_EMIT image_activated(id);
  });
  retranslate();
}

void VariationsGrid::retranslate() { setAccessibleName(tr("Variations")); }

void VariationsGrid::changeEvent(QEvent* e) {
  if (e->type() == QEvent::LanguageChange) retranslate();
  QListWidget::changeEvent(e);
}

void VariationsGrid::start(const QList<quint64>& jobs, uint64_t first_seed) {
  clear();
  jobs_ = jobs;
  filled_ = 0;
  for (int i = 0; i < jobs.size(); ++i) {
    auto* it = new QListWidgetItem(placeholder(192), tr("seed %1 …").arg(first_seed + uint64_t(i)), this);
    it->setData(kSeedRole, QVariant::fromValue<qulonglong>(first_seed + uint64_t(i)));
  }
}

void VariationsGrid::on_finished(const JobResult& r) {
  if (r.kind != JobKind::Explore) return;
  const int i = int(jobs_.indexOf(r.job));
  if (i < 0 || i >= count()) return;
  QListWidgetItem* it = item(i);
  if (r.ok() && !r.images.isEmpty()) {
    it->setIcon(QIcon(QPixmap::fromImage(r.images.front().scaled(192, 192, Qt::KeepAspectRatio, Qt::SmoothTransformation))));
    it->setData(kIdRole, QVariant::fromValue<qint64>(r.ids.value(0)));
    it->setText(tr("seed %1 · %2 steps").arg(r.request.seed).arg(r.record.steps_used));
    it->setToolTip(QString::fromStdString(r.record.stop_reason));
    ++filled_;
  } else {
    it->setText(r.status == JobResult::Status::Cancelled ? tr("cancelled") : tr("failed"));
    it->setToolTip(r.error);
  }
}

qint64 VariationsGrid::id_at(int i) const { return i >= 0 && i < count() ? item(i)->data(kIdRole).toLongLong() : 0; }

}  // namespace ripen::ui
