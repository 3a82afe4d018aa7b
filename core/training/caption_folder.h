#pragma once
// A folder of training images with captions beside them, as kohya-ss/sd-scripts users keep them:
//   <dir>/[<repeats>_<concept>/]name.png + name.txt   (also .jpg .jpeg .webp .bmp; .caption is read if no .txt)
// A sub-folder named "<N>_<concept>" repeats its images N times (kohya's weighting); an image without a caption
// file takes the concept (or, at the top level, the folder's name) as its caption. Images are composited on white,
// centre-cropped to a square and resized to `size` (area averaging down, bilinear up): no aspect buckets, so
// wide images lose their sides. Folders beginning with '.' are skipped.
#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "training/image8.h"

namespace ripen::training {

struct CaptionedImages {
  at::Tensor images;  // uint8 [N, size, size, 3]
  std::vector<std::vector<std::string>> captions;  // [N][1]
  std::vector<std::string> files;                  // [N]
};

// Throws ripen::Error naming the folder (no images) or the file (unreadable image, empty caption).
CaptionedImages load_caption_folder(const std::string& dir, int64_t size, const ImageReader& read_rgba);

// One RGBA/RGB image as uint8 [size, size, 3]: on white, centre square, resized.
at::Tensor square_rgb(const Image8& image, int64_t size);

}  // namespace ripen::training
