// Sliding-window geometry of conv2d and pooling, written once for both backends
// (PyTorch's formulas): out = floor((in + 2*pad - dilation*(kernel-1) - 1) / stride) + 1,
// and adaptive pooling windows [floor(i*in/out), ceil((i+1)*in/out)).
#pragma once

#include <cstdint>

#include "core/host_device.h"

namespace minidl {

/// An {h, w} pair of window sizes, strides, paddings or dilations; one int means both:
/// Size2(3) == Size2(3, 3), so conv2d(x, w, b, /*stride=*/2, /*padding=*/{1, 0}) reads as in PyTorch.
struct Size2 {
  int64_t h = 0;
  int64_t w = 0;
  constexpr Size2() = default;
  constexpr Size2(int64_t both)
      : h(both), w(both) {}  // NOLINT(google-explicit-constructor): as PyTorch's int-or-pair
  constexpr Size2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  friend constexpr bool operator==(const Size2&, const Size2&) = default;
};

namespace kernels {

/// Output length of a convolution or pooling window sliding over `in` (may be <= 0: no output).
MINIDL_HD_INLINE int64_t window_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                                            int64_t dilation = 1) {
  const int64_t span = in + 2 * pad - dilation * (kernel - 1) - 1;
  // floor division: a negative span means the window never fits.
  return (span < 0 ? -((-span + stride - 1) / stride) : span / stride) + 1;
}

/// First input index of adaptive-pooling window i (of `out` windows over `in`): floor(i*in/out).
MINIDL_HD_INLINE int64_t adaptive_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }

/// One past the last input index of adaptive window i: ceil((i+1)*in/out).
MINIDL_HD_INLINE int64_t adaptive_end(int64_t i, int64_t in, int64_t out) {
  return ((i + 1) * in + out - 1) / out;
}

}  // namespace kernels
}  // namespace minidl
