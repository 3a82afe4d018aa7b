#include "ui/appearance.h"

#include <QApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>
#include <QTranslator>

namespace ripen::ui {
namespace {
QString g_system_style;

QPalette dark_palette() {
  QPalette p;
  const QColor window(43, 45, 48), base(30, 31, 34), text(223, 225, 229), accent(94, 154, 232);
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, window);
  p.setColor(QPalette::ToolTipBase, base);
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, window);
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, Qt::red);
  p.setColor(QPalette::Link, accent);
  p.setColor(QPalette::Highlight, accent);
  p.setColor(QPalette::HighlightedText, Qt::black);
  p.setColor(QPalette::PlaceholderText, QColor(140, 143, 148));
  for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
    p.setColor(QPalette::Disabled, role, QColor(120, 122, 126));
  return p;
}
}  // namespace

void apply_theme(const QString& theme) {
  if (g_system_style.isEmpty()) g_system_style = QApplication::style()->name();
  if (theme == "dark") {
    QApplication::setStyle(QStyleFactory::create("Fusion"));
    QApplication::setPalette(dark_palette());
  } else if (theme == "light") {
    QApplication::setStyle(QStyleFactory::create("Fusion"));
    QApplication::setPalette(QApplication::style()->standardPalette());
  } else {
    QApplication::setStyle(QStyleFactory::create(g_system_style));
    QApplication::setPalette(QApplication::style()->standardPalette());
  }
}

QStringList available_languages() { return {"en", "de", "ja"}; }

QString apply_language(const QString& language) {
  static QTranslator* ours = nullptr;
  static QTranslator* qt = nullptr;
  for (QTranslator** t : {&ours, &qt}) {
    if (*t) {
      QCoreApplication::removeTranslator(*t);
      delete *t;
      *t = nullptr;
    }
  }
  QString code = language;
  if (code == "system" || code.isEmpty()) code = QLocale::system().name().section('_', 0, 0);
  if (!available_languages().contains(code) || code == "en") {
    return "en";  // removing the translators sent LanguageChange already
  }
  ours = new QTranslator(qApp);
  if (!ours->load(":/i18n/ripen_" + code + ".qm")) {
    delete ours;
    ours = nullptr;
    return "en";
  }
  qt = new QTranslator(qApp);
  if (qt->load("qtbase_" + code, QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
    QCoreApplication::installTranslator(qt);
  else {
    delete qt;
    qt = nullptr;
  }
  QCoreApplication::installTranslator(ours);
  return code;
}

}  // namespace ripen::ui
