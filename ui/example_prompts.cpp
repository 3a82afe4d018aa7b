#include "ui/example_prompts.h"

#include "tensors/error.h"
#include "text/caption_vocabulary.h"
#include "ui/model_catalog.h"

namespace ripen::ui {

QStringList example_prompts(const QString& model) {
  const QString dir = model == "embedded" ? locate_embedded_model() : model;
  if (dir.isEmpty()) return {};
  QStringList out;
  try {
    if (const auto v = text::CaptionVocabulary::load_for_model(dir.toStdString()))
      for (const std::string& e : v->examples()) out << QString::fromStdString(e);
  } catch (const Error&) {
    return {};  // a broken vocabulary costs the examples, never the studio
  }
  return out;
}

}  // namespace ripen::ui
