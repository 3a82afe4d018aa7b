#pragma once
// Theme (follow system / dark / light) and language switching at run time.
#include <QString>

class QTranslator;

namespace ripen::ui {

void apply_theme(const QString& theme);
// Installs the translator for "de", "ja", "en" or "system"; widgets get QEvent::LanguageChange and retranslate.
// Returns the language actually used ("en" when no translation matches).
QString apply_language(const QString& language);
QStringList available_languages();  // codes with a translation, "en" first

}  // namespace ripen::ui
