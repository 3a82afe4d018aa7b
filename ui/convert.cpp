#include "ui/convert.h"

#include <cstring>

#include "ui/types.h"

namespace ripen::ui {

QImage to_qimage(const Image& img) {
  if (img.empty()) return {};
  QImage q(img.width, img.height, QImage::Format_RGB888);
  for (int y = 0; y < img.height; ++y)
    std::memcpy(q.scanLine(y), img.rgb.data() + size_t(y) * img.width * 3, size_t(img.width) * 3);
  return q;
}

Image from_qimage(const QImage& src) {
  Image img;
  if (src.isNull()) return img;
  QImage q = src.convertToFormat(QImage::Format_RGB888);
  img.width = q.width();
  img.height = q.height();
  img.rgb.resize(size_t(img.width) * img.height * 3);
  for (int y = 0; y < img.height; ++y)
    std::memcpy(img.rgb.data() + size_t(y) * img.width * 3, q.constScanLine(y), size_t(img.width) * 3);
  return img;
}

void register_types() {
  qRegisterMetaType<ripen::StepEvent>();
  qRegisterMetaType<JobResult>();
}

}  // namespace ripen::ui
