#include "ui/start_image.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QSaveFile>

#include "ui/image_input_panel.h"
#include "ui/mask_canvas.h"

namespace ripen::ui {
namespace {
// Writes `img` as PNG named by its content; returns the path and sets `hash`, or an empty path (and `error`).
QString write_by_content(const QImage& img, const QDir& dir, QString* hash, QString* error) {
  QByteArray png;
  QBuffer buffer(&png);
  buffer.open(QIODevice::WriteOnly);
  if (!img.save(&buffer, "PNG")) {
    *error = QObject::tr("could not encode the start image as PNG");
    return {};
  }
  *hash = QString::fromLatin1(QCryptographicHash::hash(png, QCryptographicHash::Sha256).toHex());
  const QString path = dir.filePath(*hash + ".png");
  if (QFile::exists(path)) return path;
  QSaveFile f(path);  // written whole or not at all
  if (!f.open(QIODevice::WriteOnly) || f.write(png) != png.size() || !f.commit()) {
    *error = QObject::tr("could not write %1: %2").arg(path, f.errorString());
    return {};
  }
  return path;
}
}  // namespace

StartImageFiles start_image_input(const ImageInputPanel& panel, const QString& dir, const QString& library_image,
                                  const QString& latents_file, int width, int height) {
  StartImageFiles out;
  if (!panel.has_image()) return out;
  ImageInput in;
  in.strength = panel.strength();
  in.mask_blur = panel.mask_blur();
  in.inpaint_area = panel.only_masked() ? InpaintArea::Masked : InpaintArea::Full;
  in.masked_padding = panel.masked_padding();
  in.masked_content = masked_content_from_string(panel.masked_content().toStdString());
  const QMargins m = panel.outpaint();
  in.outpaint_left = m.left();
  in.outpaint_right = m.right();
  in.outpaint_top = m.top();
  in.outpaint_bottom = m.bottom();
  in.outpaint_fill = outpaint_fill_from_string(panel.outpaint_fill().toStdString());

  const QSize own = panel.image().size();
  const bool unchanged_result = !latents_file.isEmpty() && !panel.has_mask() && m.isNull() &&
                                own == QSize(width, height);
  if (!QDir().mkpath(dir)) {
    out.error = QObject::tr("could not create the folder %1 for start images").arg(dir);
    return out;
  }
  QString hash;
  if (!library_image.isEmpty() && QFile::exists(library_image)) {
    QFile f(library_image);
    if (!f.open(QIODevice::ReadOnly)) {
      out.error = QObject::tr("could not read %1: %2").arg(library_image, f.errorString());
      return out;
    }
    hash = QString::fromLatin1(QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex());
    in.image = library_image.toStdString();
  } else {
    const QString path = write_by_content(panel.image(), QDir(dir), &hash, &out.error);
    if (path.isEmpty()) return out;
    in.image = path.toStdString();
  }
  in.image_hash = hash.toStdString();
  if (unchanged_result) in.image = latents_file.toStdString();
  if (panel.has_mask()) {
    QString mask_hash;
    const QString mask = write_by_content(panel.canvas()->mask(), QDir(dir), &mask_hash, &out.error);
    if (mask.isEmpty()) return out;
    in.mask = mask.toStdString();
  }
  out.input = in;
  return out;
}

}  // namespace ripen::ui
