#pragma once
// Loads thumbnails on a thread pool through the library's thumbnail cache (library::thumbnail, which needs no
// database connection): made once, stored in <library>/thumbs, read from there afterwards. Results come back to
// the owner's thread through a queued signal.
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
  // Asks for the thumbnail of generation `id` of the library in `library_dir`, whose image is `image`; the cache
  // is written only when `writable` (a read-only library's thumbnails are made in memory).
  void request(qint64 id, const QString& library_dir, const QString& image, bool writable, int size);
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
