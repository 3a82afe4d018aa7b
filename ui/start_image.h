#pragma once
// The request's image input from the start-image panel. The engine reads files, so the picture and the painted
// mask are written as PNG into a folder (the library's `inputs/`) under the sha256 of their bytes: the same picture
// is stored once, and a result's lineage (ImageInput::image_hash) names bytes that stay. A library result is used
// through its own files: its latents when used unchanged at its own size (no decode → encode loss), else its image.
#include <QString>
#include <optional>

#include "pipeline/request.h"

namespace ripen::ui {

class ImageInputPanel;

struct StartImageFiles {
  std::optional<ImageInput> input;  // empty: no picture (text-to-image)
  QString error;                    // why the files could not be written (the folder named)
};
// For a library result: `library_image` is its stored image file and `latents_file` its stored latents (either may
// be empty); the run then names the library's own file, so the library stores it as that row's child.
// `width`/`height`: the request's size.
StartImageFiles start_image_input(const ImageInputPanel& panel, const QString& dir, const QString& library_image,
                                  const QString& latents_file, int width, int height);

}  // namespace ripen::ui
