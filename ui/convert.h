#pragma once
// Conversions between the engine's plain types and Qt's.
#include <QImage>
#include <QString>

#include "pipeline/request.h"

namespace ripen::ui {

QImage to_qimage(const Image& img);  // deep copy
Image from_qimage(const QImage& img);
inline QString qs(const std::string& s) { return QString::fromStdString(s); }
inline std::string ss(const QString& s) { return s.toStdString(); }

}  // namespace ripen::ui
