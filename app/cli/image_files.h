#pragma once
// Image files for the commands that read or write them (train data, train eval recognize, train contact-sheet,
// loss plots), through the imageio target. The engine-only build has no image codec: there every call throws
// a UsageError saying so, and image_files_available() lets a command refuse before it starts its work.
#include <string>

#include "pipeline/request.h"
#include "training/image8.h"

namespace ripen::cli {

bool image_files_available();
// Throws UsageError ("<what> needs ripen-cli built with the imageio target ...") in an engine-only build.
void require_image_files(const std::string& what);

training::Image8 read_rgba_file(const std::string& path);
void write_png_file(const std::string& path, const training::Image8& image);
void write_png_file(const std::string& path, const Image& image);

}  // namespace ripen::cli
