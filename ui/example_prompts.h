#pragma once
// The example prompts a model ships in its folder's vocabulary.json (text/caption_vocabulary.h): what a small model
// trained on a closed caption set draws well. Real Stable Diffusion models have none.
#include <QStringList>

namespace ripen::ui {

// `model` is a model path or "embedded"; empty when the folder has no vocabulary or it cannot be read.
QStringList example_prompts(const QString& model);

}  // namespace ripen::ui
