#pragma once
// Loads thumbnails on a thread pool; results come back to the owner's thread through a queued signal.
#include <QHash>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QSize>
#include <QThreadPool>

namespace ripen::ui {

class ThumbnailLoader : public QObject {
  Q_OBJECT
 public:
  explicit ThumbnailLoader(QObject* parent = nullptr);
  ~ThumbnailLoader() override;
  // Asks for the thumbnail of `id` from `file` (the library's cached thumbnail when `cached` exists).
  void request(qint64 id, const QString& file, const QString& cached, int size);
  void forget();  // drop pending requests' results (the model was reset)
  QThreadPool* pool() { return &pool_; }

 Q_SIGNALS:
  void loaded(qint64 id, const QImage& image, quint64 generation);

 public:
  quint64 generation() const { return generation_; }

 private:
  QThreadPool pool_;
  quint64 generation_ = 0;
};

}  // namespace ripen::ui
