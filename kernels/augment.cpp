// Dispatch of the augmentation kernel to the CPU or CUDA backend after checking the tensors
// against the params and the params themselves (kernels/math/augment.h, torchvision rules).
#include "kernels/augment.h"

#include <cmath>

namespace minidl::kernels {
namespace {

bool in_unit_range(float low, float range) {
  return low >= 0.0f && range >= 0.0f && std::isfinite(low + range);
}

}  // namespace

void check_augment_params(const AugmentParams& p) {
  MINIDL_CHECK(p.channels >= 1 && p.channels <= kAugmentMaxChannels, ValueError, "augment: ", p.channels,
               " channels, expected 1 to ", kAugmentMaxChannels);
  MINIDL_CHECK(p.in_height > 0 && p.in_width > 0 && p.out_height > 0 && p.out_width > 0, ValueError,
               "augment: empty image size ", p.in_height, "x", p.in_width, " -> ", p.out_height, "x",
               p.out_width);
  switch (p.geometry) {
    case AugmentGeometry::None:
      MINIDL_CHECK(p.out_height == p.in_height && p.out_width == p.in_width, ValueError,
                   "augment: without a crop the output size ", p.out_height, "x", p.out_width,
                   " must equal the input size ", p.in_height, "x", p.in_width);
      break;
    case AugmentGeometry::Crop:
      MINIDL_CHECK(p.padding >= 0, ValueError, "augment: negative crop padding ", p.padding);
      MINIDL_CHECK(p.out_height <= p.in_height + 2 * p.padding && p.out_width <= p.in_width + 2 * p.padding,
                   ValueError, "augment: a ", p.out_height, "x", p.out_width, " crop does not fit a ",
                   p.in_height, "x", p.in_width, " image padded by ", p.padding);
      MINIDL_CHECK(!p.reflect || (p.padding < p.in_height && p.padding < p.in_width), ValueError,
                   "augment: reflect padding ", p.padding, " must be smaller than the image size ",
                   p.in_height, "x", p.in_width);
      break;
    case AugmentGeometry::ResizedCrop:
      MINIDL_CHECK(p.scale_min > 0 && p.scale_range >= 0 && p.scale_min + p.scale_range <= 1, ValueError,
                   "augment: resized-crop scale [", p.scale_min, ", ", p.scale_min + p.scale_range,
                   "] must lie in (0, 1]");
      MINIDL_CHECK(p.ratio_min > 0 && p.ratio_min <= p.ratio_max && std::abs(p.log_ratio_min) < 20 &&
                       p.log_ratio_range >= 0 && std::abs(p.log_ratio_min + p.log_ratio_range) < 20,
                   ValueError, "augment: resized-crop aspect ratios [", p.ratio_min, ", ", p.ratio_max,
                   "] must be positive, increasing and within e^+-20");
      break;
  }
  const bool jitter = p.brightness || p.contrast || p.saturation;
  MINIDL_CHECK(!jitter || p.channels == 3, ValueError, "augment: color jitter needs 3 channels (RGB), got ",
               p.channels);
  MINIDL_CHECK(!p.brightness || in_unit_range(p.brightness_min, p.brightness_range), ValueError,
               "augment: brightness factors must be finite and >= 0");
  MINIDL_CHECK(!p.contrast || in_unit_range(p.contrast_min, p.contrast_range), ValueError,
               "augment: contrast factors must be finite and >= 0");
  MINIDL_CHECK(!p.saturation || in_unit_range(p.saturation_min, p.saturation_range), ValueError,
               "augment: saturation factors must be finite and >= 0");
  for (int c = 0; c < p.channels; ++c)
    MINIDL_CHECK(std::isfinite(p.mean[c]) && std::isfinite(p.std[c]) && p.std[c] > 0, ValueError,
                 "augment: channel ", c, " has mean ", p.mean[c], " and std ", p.std[c],
                 " (std must be > 0)");
}

void augment(const Tensor& src, const Tensor& dst, const AugmentParams& params, PhiloxSeed seed,
             int cpu_threads) {
  check_augment_params(params);
  MINIDL_CHECK(src.dtype() == DType::UInt8 && dst.dtype() == DType::Float32, DTypeError,
               "augment: expected uint8 images into float32, got ", src.dtype(), " into ", dst.dtype());
  MINIDL_CHECK(src.device() == dst.device(), DeviceError, "augment: images on ", src.device(),
               " but output on ", dst.device());
  MINIDL_CHECK(src.dim() == 4, ShapeError, "augment: expected images [B, C, H, W], got shape ",
               shape_str(src.shape()));
  const Shape in{src.size(0), params.channels, params.in_height, params.in_width};
  const Shape out{src.size(0), params.channels, params.out_height, params.out_width};
  MINIDL_CHECK(src.shape() == in && dst.shape() == out, ShapeError, "augment: params expect images ",
               shape_str(in), " -> ", shape_str(out), ", got ", shape_str(src.shape()), " -> ",
               shape_str(dst.shape()));
  MINIDL_CHECK(src.is_contiguous() && dst.is_contiguous(), ValueError,
               "augment: images and output must be contiguous (strides ", shape_str(src.strides()), " and ",
               shape_str(dst.strides()), ")");
  if (src.numel() == 0) return;
  if (src.device().is_cpu())
    cpu::augment(src, dst, params, seed, cpu_threads);
  else
    MINIDL_CUDA_DISPATCH(cuda::augment(src, dst, params, seed));
}

}  // namespace minidl::kernels
