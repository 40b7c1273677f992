// Data augmentation of uint8 images [C, H, W] into float32, written once for the CPU loop and the
// fused CUDA kernel (torchvision conventions, docs/formulas.md): random crop with zero or reflect
// padding, or random resized crop (bilinear, align_corners=False); horizontal flip; color jitter
// (brightness, contrast, saturation: blends clamped to [0, 1], in that order); (x/255 - mean)/std.
// Sample s draws word k of its budget from Philox block offset + s*kAugmentBlocksPerSample + k/4.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/host_device.h"
#include "kernels/math/philox.h"
#include "kernels/math/random.h"

// Bit-identical CPU and CUDA results: as in kernels/math/random.h, every product that meets an
// addition is an explicit fma and divisions/square roots are the correctly rounded ones, so no
// compiler can contract differently on either side. The contrast mean is summed in 2^-32 fixed
// point (integers), so its value does not depend on the order of the reduction.

namespace minidl::kernels {

enum class AugmentGeometry : int32_t { None, Crop, ResizedCrop };
enum class FlipMode : int32_t { Never, Random, Always };

inline constexpr int kAugmentMaxChannels = 4;
/// Philox blocks each sample owns (32 words, 28 used), whatever the options.
inline constexpr int kAugmentBlocksPerSample = 8;
/// torchvision's RandomResizedCrop tries this many boxes before its central-crop fallback.
inline constexpr int kResizedCropAttempts = 10;

/// Word slots of a sample's budget.
enum AugmentWord : int {
  kWordFlip = 0,
  kWordCropTop = 1,
  kWordCropLeft = 2,
  kWordBrightness = 3,
  kWordContrast = 4,
  kWordSaturation = 5,
  kWordResizedTop = 6,
  kWordResizedLeft = 7,
  kWordResizedAttempts = 8,  // attempt a uses words 8 + 2a (area) and 9 + 2a (log aspect ratio)
};

/// What to do to every sample of a batch; built and checked on the host (kernels/augment.cpp).
struct AugmentParams {
  int32_t channels, in_height, in_width, out_height, out_width;
  AugmentGeometry geometry;
  int32_t padding;  // Crop: on every side
  bool reflect;     // Crop: mirror padding (torch's "reflect", edge not repeated) instead of zeros
  double scale_min, scale_range;          // ResizedCrop: area fraction U[min, min + range)
  double log_ratio_min, log_ratio_range;  // ResizedCrop: log aspect ratio (w/h) U[min, min + range)
  double ratio_min, ratio_max;            // ResizedCrop: for the central-crop fallback
  FlipMode flip;
  uint64_t flip_threshold;  // bernoulli_threshold(flip probability)
  bool brightness, contrast, saturation;
  float brightness_min, brightness_range, contrast_min, contrast_range, saturation_min, saturation_range;
  float mean[kAugmentMaxChannels], std[kAugmentMaxChannels];  // mean 0, std 1: no normalization
};

/// One sample's decisions. No default member initializers: CUDA keeps one in shared memory.
struct SampleDraws {
  int32_t top, left, height, width;  // source box; Crop: in padded coordinates
  float scale_y, scale_x;            // ResizedCrop: box size / output size
  bool flip;
  float brightness, contrast, saturation;  // 1 when off
};

namespace detail {
MINIDL_HD_INLINE double rint_rn(double x) {  // round half to even, like Python's round()
#if defined(__CUDA_ARCH__)
  return rint(x);
#else
  return std::nearbyint(x);
#endif
}
}  // namespace detail

/// e^x for |x| < 700 from correctly rounded operations only: x = k ln2 + r, |r| <= ln2/2, and
/// e^r by its Taylor polynomial of degree 13 (truncation < 0.05 ulp).
MINIDL_HD_INLINE double exp_double(double x) {
  using detail::fma_rn;
  const double k = detail::rint_rn(x * 0x1.71547652b82fep+0);
  const double r = fma_rn(-k, 1.90821492927058770002e-10, fma_rn(-k, 6.93147180369123816490e-01, x));
  constexpr double kInverseFactorial[14] = {0x1p+0,
                                            0x1p+0,
                                            0x1p-1,
                                            0x1.5555555555555p-3,
                                            0x1.5555555555555p-5,
                                            0x1.1111111111111p-7,
                                            0x1.6c16c16c16c17p-10,
                                            0x1.a01a01a01a01ap-13,
                                            0x1.a01a01a01a01ap-16,
                                            0x1.71de3a556c734p-19,
                                            0x1.27e4fb7789f5cp-22,
                                            0x1.ae64567f544e4p-26,
                                            0x1.1eed8eff8d898p-29,
                                            0x1.6124613a86d09p-33};
  double p = kInverseFactorial[13];
  for (int n = 12; n >= 0; --n) p = fma_rn(p, r, kInverseFactorial[n]);
  return p * detail::bits_double(static_cast<uint64_t>(static_cast<int64_t>(k) + 1023) << 52);
}

/// Word k of sample `sample`'s budget.
MINIDL_HD_INLINE uint32_t augment_word(uint64_t seed, uint64_t offset, int64_t sample, int k) {
  const uint64_t first = offset + static_cast<uint64_t>(sample) * kAugmentBlocksPerSample;
  return philox_block(seed, first + static_cast<uint64_t>(k / 4)).v[k % 4];
}

/// torchvision RandomResizedCrop.get_params: up to ten (area, aspect ratio) draws, the first
/// box that fits wins (position uniform); else the central crop of the clamped aspect ratio.
MINIDL_HD_INLINE void resized_crop_box(const AugmentParams& p, uint64_t seed, uint64_t offset, int64_t sample,
                                       SampleDraws* d) {
  using detail::fma_rn;
  const int32_t height = p.in_height, width = p.in_width;
  const double area = static_cast<double>(height) * width;
  for (int a = 0; a < kResizedCropAttempts; ++a) {
    const uint32_t w_area = augment_word(seed, offset, sample, kWordResizedAttempts + 2 * a);
    const uint32_t w_ratio = augment_word(seed, offset, sample, kWordResizedAttempts + 2 * a + 1);
    const double target = area * fma_rn(p.scale_range, uniform_double(w_area), p.scale_min);
    const double ratio = exp_double(fma_rn(p.log_ratio_range, uniform_double(w_ratio), p.log_ratio_min));
    const double w = detail::rint_rn(detail::sqrt_rn(target * ratio));
    const double h = detail::rint_rn(detail::sqrt_rn(detail::div_rn(target, ratio)));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      d->height = static_cast<int32_t>(h), d->width = static_cast<int32_t>(w);
      const auto rows = static_cast<uint32_t>(height - d->height + 1);
      const auto cols = static_cast<uint32_t>(width - d->width + 1);
      d->top =
          static_cast<int32_t>(randint_draw(augment_word(seed, offset, sample, kWordResizedTop), 0, rows));
      d->left =
          static_cast<int32_t>(randint_draw(augment_word(seed, offset, sample, kWordResizedLeft), 0, cols));
      return;
    }
  }
  const double in_ratio = detail::div_rn(static_cast<double>(width), static_cast<double>(height));
  d->height = height, d->width = width;
  if (in_ratio < p.ratio_min)
    d->height =
        static_cast<int32_t>(detail::rint_rn(detail::div_rn(static_cast<double>(width), p.ratio_min)));
  else if (in_ratio > p.ratio_max)
    d->width = static_cast<int32_t>(detail::rint_rn(static_cast<double>(height) * p.ratio_max));
  d->top = (height - d->height) / 2;
  d->left = (width - d->width) / 2;
}

/// The decisions of sample `sample` of a batch drawn with (seed, offset).
MINIDL_HD_INLINE SampleDraws draw_sample(const AugmentParams& p, uint64_t seed, uint64_t offset,
                                         int64_t sample) {
  using detail::fma_rn;
  SampleDraws d{0, 0, p.in_height, p.in_width, 1.0f, 1.0f, false, 1.0f, 1.0f, 1.0f};
  if (p.geometry == AugmentGeometry::Crop) {
    const auto rows = static_cast<uint32_t>(p.in_height + 2 * p.padding - p.out_height + 1);
    const auto cols = static_cast<uint32_t>(p.in_width + 2 * p.padding - p.out_width + 1);
    d.top = static_cast<int32_t>(randint_draw(augment_word(seed, offset, sample, kWordCropTop), 0, rows));
    d.left = static_cast<int32_t>(randint_draw(augment_word(seed, offset, sample, kWordCropLeft), 0, cols));
    d.height = p.out_height, d.width = p.out_width;
  } else if (p.geometry == AugmentGeometry::ResizedCrop) {
    resized_crop_box(p, seed, offset, sample, &d);
    d.scale_y = detail::div_rn(static_cast<float>(d.height), static_cast<float>(p.out_height));
    d.scale_x = detail::div_rn(static_cast<float>(d.width), static_cast<float>(p.out_width));
  }
  d.flip = p.flip == FlipMode::Always ||
           (p.flip == FlipMode::Random &&
            bernoulli_draw(augment_word(seed, offset, sample, kWordFlip), p.flip_threshold));
  if (p.brightness)
    d.brightness =
        fma_rn(p.brightness_range, uniform_float(augment_word(seed, offset, sample, kWordBrightness)),
               p.brightness_min);
  if (p.contrast)
    d.contrast = fma_rn(p.contrast_range, uniform_float(augment_word(seed, offset, sample, kWordContrast)),
                        p.contrast_min);
  if (p.saturation)
    d.saturation =
        fma_rn(p.saturation_range, uniform_float(augment_word(seed, offset, sample, kWordSaturation)),
               p.saturation_min);
  return d;
}

// ---- per output location: geometry, then color, then normalization ----

/// Index into [0, n) of a mirror padding without edge repetition: -1 -> 1, n -> n - 2 (pad < n).
MINIDL_HD_INLINE int32_t reflect_index(int32_t i, int32_t n) {
  if (i < 0) i = -i;
  return i >= n ? 2 * (n - 1) - i : i;
}

/// aten's bilinear source index (align_corners=False): the two taps i0 <= i1 and the weight of i1.
MINIDL_HD_INLINE void bilinear_taps(float scale, int32_t dst, int32_t in_size, int32_t* i0, int32_t* i1,
                                    float* w1) {
  float src = detail::fma_rn(scale, static_cast<float>(dst) + 0.5f, -0.5f);
  src = src < 0.0f ? 0.0f : src;
  *i0 = static_cast<int32_t>(src);
  *i1 = *i0 + (*i0 < in_size - 1 ? 1 : 0);
  *w1 = src - static_cast<float>(*i0);
}

/// Channel values (0..255 scale) of output location (y, x) of one image before color changes.
MINIDL_HD_INLINE void source_pixel(const AugmentParams& p, const SampleDraws& d, const uint8_t* image,
                                   int32_t y, int32_t x, float* v) {
  using detail::fma_rn;
  const int64_t plane = static_cast<int64_t>(p.in_height) * p.in_width;
  if (d.flip) x = p.out_width - 1 - x;
  if (p.geometry != AugmentGeometry::ResizedCrop) {
    const int32_t pad = p.geometry == AugmentGeometry::Crop ? p.padding : 0;
    int32_t sy = y + d.top - pad, sx = x + d.left - pad;
    if (sy < 0 || sy >= p.in_height || sx < 0 || sx >= p.in_width) {
      if (!p.reflect) {
        for (int c = 0; c < p.channels; ++c) v[c] = 0.0f;
        return;
      }
      sy = reflect_index(sy, p.in_height), sx = reflect_index(sx, p.in_width);
    }
    const uint8_t* at = image + static_cast<int64_t>(sy) * p.in_width + sx;
    for (int c = 0; c < p.channels; ++c) v[c] = static_cast<float>(at[c * plane]);
    return;
  }
  int32_t y0, y1, x0, x1;
  float wy, wx;
  bilinear_taps(d.scale_y, y, d.height, &y0, &y1, &wy);
  bilinear_taps(d.scale_x, x, d.width, &x0, &x1, &wx);
  const uint8_t* box = image + static_cast<int64_t>(d.top) * p.in_width + d.left;
  const int64_t r0 = static_cast<int64_t>(y0) * p.in_width, r1 = static_cast<int64_t>(y1) * p.in_width;
  for (int c = 0; c < p.channels; ++c) {
    const uint8_t* ch = box + c * plane;
    const float top =
        fma_rn(wx, static_cast<float>(ch[r0 + x1]), (1.0f - wx) * static_cast<float>(ch[r0 + x0]));
    const float bottom =
        fma_rn(wx, static_cast<float>(ch[r1 + x1]), (1.0f - wx) * static_cast<float>(ch[r1 + x0]));
    v[c] = fma_rn(wy, bottom, (1.0f - wy) * top);
  }
}

MINIDL_HD_INLINE float clamp01(float v) { return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v); }
/// torchvision's _blend: clamp(factor * v + (1 - factor) * other, 0, 1).
MINIDL_HD_INLINE float blend(float factor, float v, float other) {
  return clamp01(detail::fma_rn(factor, v, (1.0f - factor) * other));
}
/// torchvision's rgb_to_grayscale weights (ITU-R 601-2 luma).
MINIDL_HD_INLINE float grayscale(const float* rgb) {
  return detail::fma_rn(0.2989f, rgb[0], detail::fma_rn(0.587f, rgb[1], 0.114f * rgb[2]));
}
/// Gray level in [0, 1] as an integer multiple of 2^-32 (truncated), for an exact, order-free sum.
MINIDL_HD_INLINE int64_t gray_fixed_point(float gray) { return static_cast<int64_t>(gray * 0x1p32f); }
/// The mean gray level of `count` pixels from the sum of their gray_fixed_point values.
MINIDL_HD_INLINE float mean_gray(int64_t fixed_sum, int64_t count) {
  return static_cast<float>(
      detail::div_rn(static_cast<double>(fixed_sum) * 0x1p-32, static_cast<double>(count)));
}

/// Saturation, normalization and the store of one location's channels (plane = out_h * out_w).
MINIDL_HD_INLINE void finish_pixel(const AugmentParams& p, const SampleDraws& d, float* v, float* out,
                                   int64_t loc) {
  if (p.saturation) {
    const float gray = grayscale(v);
    for (int c = 0; c < 3; ++c) v[c] = blend(d.saturation, v[c], gray);
  }
  const int64_t plane = static_cast<int64_t>(p.out_height) * p.out_width;
  for (int c = 0; c < p.channels; ++c) out[c * plane + loc] = detail::div_rn(v[c] - p.mean[c], p.std[c]);
}

/// First pass over output location (y, x) of a sample (out = its output [C, out_h, out_w]):
/// geometry, x/255 and brightness. With contrast on, stores the values un-normalized and returns
/// the fixed-point gray level for the sample's mean; otherwise finishes the location, returns 0.
MINIDL_HD_INLINE int64_t augment_pass1(const AugmentParams& p, const SampleDraws& d, const uint8_t* image,
                                       float* out, int32_t y, int32_t x) {
  float v[kAugmentMaxChannels];
  const int64_t loc = static_cast<int64_t>(y) * p.out_width + x;
  source_pixel(p, d, image, y, x, v);
  for (int c = 0; c < p.channels; ++c) v[c] = detail::div_rn(v[c], 255.0f);
  if (p.brightness)
    for (int c = 0; c < 3; ++c) v[c] = blend(d.brightness, v[c], 0.0f);
  if (!p.contrast) {
    finish_pixel(p, d, v, out, loc);
    return 0;
  }
  const int64_t plane = static_cast<int64_t>(p.out_height) * p.out_width;
  for (int c = 0; c < 3; ++c) out[c * plane + loc] = v[c];
  return gray_fixed_point(grayscale(v));
}

/// Second pass (contrast on): blends the stored values with the sample's mean gray, then finishes.
MINIDL_HD_INLINE void augment_pass2(const AugmentParams& p, const SampleDraws& d, float mean, float* out,
                                    int64_t loc) {
  const int64_t plane = static_cast<int64_t>(p.out_height) * p.out_width;
  float v[kAugmentMaxChannels];
  for (int c = 0; c < 3; ++c) v[c] = blend(d.contrast, out[c * plane + loc], mean);
  finish_pixel(p, d, v, out, loc);
}

/// Whole sample on one thread (the CPU backend; tests): both passes in location order.
inline void augment_sample(const AugmentParams& p, const SampleDraws& d, const uint8_t* image, float* out) {
  const int64_t n = static_cast<int64_t>(p.out_height) * p.out_width;
  int64_t sum = 0;
  for (int32_t y = 0; y < p.out_height; ++y)
    for (int32_t x = 0; x < p.out_width; ++x) sum += augment_pass1(p, d, image, out, y, x);
  if (!p.contrast) return;
  const float mean = mean_gray(sum, n);
  for (int64_t loc = 0; loc < n; ++loc) augment_pass2(p, d, mean, out, loc);
}

}  // namespace minidl::kernels
