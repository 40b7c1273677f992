// Per-window pooling math on one (n, c) plane, written once (PyTorch's CPU kernels):
// max pooling takes the first largest element (NaN wins) and sends the gradient there;
// average pooling divides by the window area (with padding when count_include_pad);
// adaptive average pooling averages window [floor(i*in/out), ceil((i+1)*in/out)) per axis.
#pragma once

#include <cstdint>

#include "core/host_device.h"
#include "kernels/math/cast.h"
#include "kernels/math/window.h"

namespace minidl::kernels {

/// One plane of max or average pooling: input in_h x in_w, output out_h x out_w.
struct PoolGeometry {
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  bool count_include_pad = true;
};

/// The input rows [h0, h1) and columns [w0, w1) of output (oh, ow)'s window, clipped to the
/// input, and the divisor of its average.
struct PoolWindow {
  int64_t h0, h1, w0, w1, divisor;
};

MINIDL_HD_INLINE PoolWindow pool_window(const PoolGeometry& g, int64_t oh, int64_t ow) {
  int64_t h0 = oh * g.stride_h - g.pad_h, w0 = ow * g.stride_w - g.pad_w;
  int64_t h1 = h0 + g.kernel_h < g.in_h + g.pad_h ? h0 + g.kernel_h : g.in_h + g.pad_h;
  int64_t w1 = w0 + g.kernel_w < g.in_w + g.pad_w ? w0 + g.kernel_w : g.in_w + g.pad_w;
  const int64_t padded_area = (h1 - h0) * (w1 - w0);
  h0 = h0 > 0 ? h0 : 0;
  w0 = w0 > 0 ? w0 : 0;
  h1 = h1 < g.in_h ? h1 : g.in_h;
  w1 = w1 < g.in_w ? w1 : g.in_w;
  return {h0, h1, w0, w1, g.count_include_pad ? padded_area : (h1 - h0) * (w1 - w0)};
}

/// Whether v, met after `best` in a window's row-major order, becomes its maximum: when larger,
/// or NaN (NaN propagates, as in PyTorch); of tied maxima the first stays.
template <typename Acc> MINIDL_HD_INLINE bool max_pool_replaces(Acc v, Acc best) {
  return v > best || v != v;
}

/// Plane index (h * in_w + w) of the maximum of output (oh, ow)'s window.
template <typename Acc, typename T>
MINIDL_HD_INLINE int64_t max_pool_argmax(const T* plane, const PoolGeometry& g, int64_t oh, int64_t ow) {
  const PoolWindow win = pool_window(g, oh, ow);
  int64_t best_at = win.h0 * g.in_w + win.w0;
  bool have = false;
  Acc best = Acc(0);
  for (int64_t h = win.h0; h < win.h1; ++h)
    for (int64_t w = win.w0; w < win.w1; ++w) {
      const Acc v = cast_value<Acc>(plane[h * g.in_w + w]);
      if (!have || max_pool_replaces(v, best)) {
        best = v;
        best_at = h * g.in_w + w;
        have = true;
      }
    }
  return best_at;
}

/// Whether every window is 2x2 at stride 2 with no padding (the common CNN pooling): windows
/// then tile the plane's top-left 2*out_h x 2*out_w corner without overlapping or clipping.
MINIDL_HD_INLINE bool is_plain_2x2_pool(const PoolGeometry& g) {
  return g.kernel_h == 2 && g.kernel_w == 2 && g.stride_h == 2 && g.stride_w == 2 && g.pad_h == 0 &&
         g.pad_w == 0 && 2 * g.out_h <= g.in_h && 2 * g.out_w <= g.in_w;
}

/// The maximum of a 2x2 window (a b / c d) by the rule above: the value max_pool_argmax finds.
template <typename Acc> MINIDL_HD_INLINE Acc max_value_2x2(Acc a, Acc b, Acc c, Acc d) {
  Acc best = a;
  if (max_pool_replaces(b, best)) best = b;
  if (max_pool_replaces(c, best)) best = c;
  if (max_pool_replaces(d, best)) best = d;
  return best;
}

/// Position (0 to 3, row-major: a b / c d) of the maximum of a 2x2 window by the rule above (the
/// last NaN, else the first of the largest), in arithmetic rather than a branch per comparison:
/// random data would mispredict those branches about half the time.
template <typename Acc> MINIDL_HD_INLINE int max_of_2x2(Acc a, Acc b, Acc c, Acc d) {
  if ((a != a) | (b != b) | (c != c) | (d != d)) return d != d ? 3 : c != c ? 2 : b != b ? 1 : 0;
  const Acc ab = a < b ? b : a, cd = c < d ? d : c;
  const Acc m = ab < cd ? cd : ab;
  const int not_a = a != m, not_b = b != m, not_c = c != m;
  return not_a * (1 + not_b * (1 + not_c));
}

/// Average of output (oh, ow)'s window (0 for a window entirely in the padding).
template <typename Acc, typename T>
MINIDL_HD_INLINE Acc avg_pool_value(const T* plane, const PoolGeometry& g, int64_t oh, int64_t ow) {
  const PoolWindow win = pool_window(g, oh, ow);
  if (win.h0 >= win.h1 || win.w0 >= win.w1) return Acc(0);
  Acc sum = Acc(0);
  for (int64_t h = win.h0; h < win.h1; ++h)
    for (int64_t w = win.w0; w < win.w1; ++w) sum += cast_value<Acc>(plane[h * g.in_w + w]);
  return sum / static_cast<Acc>(win.divisor);
}

/// One plane of adaptive average pooling.
struct AdaptiveGeometry {
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
};

/// Average of adaptive window (oh, ow).
template <typename Acc, typename T>
MINIDL_HD_INLINE Acc adaptive_avg_value(const T* plane, const AdaptiveGeometry& g, int64_t oh, int64_t ow) {
  const int64_t h0 = adaptive_start(oh, g.in_h, g.out_h), h1 = adaptive_end(oh, g.in_h, g.out_h);
  const int64_t w0 = adaptive_start(ow, g.in_w, g.out_w), w1 = adaptive_end(ow, g.in_w, g.out_w);
  Acc sum = Acc(0);
  for (int64_t h = h0; h < h1; ++h)
    for (int64_t w = w0; w < w1; ++w) sum += cast_value<Acc>(plane[h * g.in_w + w]);
  return sum / static_cast<Acc>((h1 - h0) * (w1 - w0));
}

/// Gradient of input element (ih, iw): the sum of grad/area over the adaptive windows holding it.
/// Those are the outputs [floor(ih*out/in), ceil((ih+1)*out/in)) per axis: the same window formula
/// with in and out swapped, so the gradient is gathered without atomics.
template <typename Acc, typename T>
MINIDL_HD_INLINE Acc adaptive_avg_grad(const T* grad_plane, const AdaptiveGeometry& g, int64_t ih,
                                       int64_t iw) {
  const int64_t oh0 = adaptive_start(ih, g.out_h, g.in_h), oh1 = adaptive_end(ih, g.out_h, g.in_h);
  const int64_t ow0 = adaptive_start(iw, g.out_w, g.in_w), ow1 = adaptive_end(iw, g.out_w, g.in_w);
  Acc sum = Acc(0);
  for (int64_t oh = oh0; oh < oh1; ++oh) {
    const int64_t rows = adaptive_end(oh, g.in_h, g.out_h) - adaptive_start(oh, g.in_h, g.out_h);
    for (int64_t ow = ow0; ow < ow1; ++ow) {
      const int64_t cols = adaptive_end(ow, g.in_w, g.out_w) - adaptive_start(ow, g.in_w, g.out_w);
      sum += cast_value<Acc>(grad_plane[oh * g.out_w + ow]) / static_cast<Acc>(rows * cols);
    }
  }
  return sum;
}

}  // namespace minidl::kernels
