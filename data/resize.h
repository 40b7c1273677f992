// Resizing uint8 images the way torchvision's Resize does for the PIL images ImageFolder
// loads: PIL's bilinear resampling, a separable triangle filter that widens with the
// downscaling factor (so shrinking averages instead of skipping pixels), horizontal pass
// first, with PIL's 22-bit fixed-point weights and rounding, so the bytes equal PIL's.
#pragma once

#include "core/tensor.h"

namespace minidl::data {

/// uint8 [C, H, W] resized to [C, height, width] (height, width >= 1).
Tensor resize_bilinear(const Tensor& image, int64_t height, int64_t width);

}  // namespace minidl::data
