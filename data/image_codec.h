// Decoding of image files into uint8 tensors: PNG through libpng and JPEG through
// libjpeg-turbo (Debian's), recognized by their signatures, not by their names. Every image
// comes out as 3-channel RGB [3, H, W] (grayscale is repeated, alpha dropped), as torchvision's
// ImageFolder gives RGB images; a file that is neither, truncated or corrupt is an IOError
// naming it.
#pragma once

#include <string>

#include "core/tensor.h"

namespace minidl::data {

/// The image in `bytes` (a PNG or JPEG file's contents) as uint8 [3, H, W]; `source` names it
/// in errors.
Tensor decode_image(const std::string& bytes, const std::string& source);
/// decode_image of the file at `path`.
Tensor read_image(const std::string& path);

/// A PNG file's bytes for a uint8 [3, H, W] image (lossless).
std::string encode_png(const Tensor& image);
/// A JPEG file's bytes for a uint8 [3, H, W] image, at `quality` 1..100.
std::string encode_jpeg(const Tensor& image, int quality = 90);

}  // namespace minidl::data
