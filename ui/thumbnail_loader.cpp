#include "ui/thumbnail_loader.h"

#include <QFileInfo>
#include <QImageReader>
#include <QPointer>
#include <QRunnable>

#include "library/library.h"

namespace ripen::ui {

ThumbnailLoader::ThumbnailLoader(QObject* parent) : QObject(parent) {
  pool_.setMaxThreadCount(2);
  pool_.setThreadPriority(QThread::LowPriority);
}

ThumbnailLoader::~ThumbnailLoader() {
  pool_.clear();
  pool_.waitForDone();
}

void ThumbnailLoader::forget() {
  ++generation_;
  pool_.clear();
}

void ThumbnailLoader::request(qint64 id, const QString& library_dir, const QString& image, bool writable, int size) {
  QPointer<ThumbnailLoader> self(this);
  const quint64 gen = generation_;
  pool_.start([self, id, library_dir, image, writable, size, gen] {
    QString file = image;
    try {
      const auto cached = library::thumbnail(library_dir.toStdString(), id, image.toStdString(), writable);
      if (!cached.empty()) file = QString::fromStdString(cached.string());
    } catch (const std::exception&) {
      // an image OpenImageIO cannot read: Qt may still; a broken file gives a null image below
    }
    QImageReader reader(file);
    QSize s = reader.size();
    if (s.isValid() && (s.width() > size || s.height() > size)) reader.setScaledSize(s.scaled(size, size, Qt::KeepAspectRatio));
    QImage img = reader.read();
    if (!img.isNull() && (img.width() > size || img.height() > size))
      img = img.scaled(size, size, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    if (self) QMetaObject::invokeMethod(self, [self, id, img, gen] {
        if (self) Q_EMIT self->loaded(id, img, gen);
      }, Qt::QueuedConnection);
  });
}

}  // namespace ripen::ui
