#pragma once
// The application icon, drawn in code (the same picture as packaging/ripen.svg): a ripening fruit.
#include <QIcon>
#include <QImage>

namespace ripen::ui {
QImage app_icon_image(int size);
QIcon app_icon();
}  // namespace ripen::ui
