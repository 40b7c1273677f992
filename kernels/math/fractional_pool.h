// Fractional max pooling windows (Graham 2014; PyTorch's generate_intervals), written once
// for both backends: with one sample u in [0, 1) per (plane, axis) and a = (in - k)/(out - 1),
// window i < out - 1 starts at floor((i+u)*a) - floor(u*a) and the last at in - k
// (docs/formulas.md). Arithmetic in A (float for float and 16-bit inputs, double for double),
// as PyTorch's, so windows match it exactly for the same samples.
#pragma once

#include <cstdint>

#include "core/host_device.h"
#include "kernels/math/cast.h"

namespace minidl::kernels {

/// One axis of fractional pooling: `out` windows of size `kernel` over `in` positions.
struct FractionalAxis {
  int64_t in = 0, out = 0, kernel = 1;
};

/// The window spacing a = (in - k)/(out - 1); out == 1 has a single window at in - k and no spacing.
template <typename A> MINIDL_HD_INLINE A fractional_alpha(const FractionalAxis& ax) {
  return ax.out > 1 ? static_cast<A>(ax.in - ax.kernel) / static_cast<A>(ax.out - 1) : A(0);
}

namespace detail {
// floor(x) for x >= 0 as PyTorch's int cast, clamped into [0, hi]: a sample outside [0, 1) (or NaN)
// still gives windows inside the input rather than an out-of-bounds read.
template <typename A> MINIDL_HD_INLINE int64_t floor_clamped(A x, int64_t hi) {
  if (!(x > A(0))) return 0;
  if (x >= static_cast<A>(hi)) return hi;
  return static_cast<int64_t>(x);
}
}  // namespace detail

/// First input index of window i (0 <= i < out) for sample u; in [0, in - k], non-decreasing in i.
template <typename A>
MINIDL_HD_INLINE int64_t fractional_start(int64_t i, A u, A alpha, const FractionalAxis& ax) {
  const int64_t last = ax.in - ax.kernel;
  if (i >= ax.out - 1) return last;
  // (i + u) rounded in A first, then scaled: PyTorch's order of operations.
  const int64_t start =
      detail::floor_clamped(A(static_cast<A>(i) + u) * alpha, last) - detail::floor_clamped(u * alpha, last);
  return start < 0 ? 0 : start;
}

/// The first window i whose start exceeds t (out when none): a binary search over the
/// non-decreasing starts. Windows holding position p are [first_above(p - k), first_above(p)).
template <typename A>
MINIDL_HD_INLINE int64_t fractional_first_start_above(int64_t t, A u, A alpha, const FractionalAxis& ax) {
  int64_t lo = 0, hi = ax.out;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (fractional_start(mid, u, alpha, ax) > t)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

/// One (n, c) plane: both axes, their samples and spacings. PyTorch's sample layout
/// [N, C, 2] holds the width sample first: samples[plane*2] = u_w, samples[plane*2 + 1] = u_h.
template <typename A> struct FractionalPlane {
  FractionalAxis h, w;
  A u_h, u_w, alpha_h, alpha_w;
};

template <typename A>
MINIDL_HD_INLINE FractionalPlane<A> fractional_plane(const FractionalAxis& h, const FractionalAxis& w,
                                                     const A* plane_samples) {
  return {h, w, plane_samples[1], plane_samples[0], fractional_alpha<A>(h), fractional_alpha<A>(w)};
}

/// Plane index (h * in_w + w) of the maximum of the kernel_h x kernel_w window at (h0, w0): the
/// first largest element, NaN winning (the last NaN), as PyTorch's CPU kernel.
template <typename Acc, typename T>
MINIDL_HD_INLINE int64_t window_argmax(const T* plane, int64_t in_w, int64_t h0, int64_t w0, int64_t kernel_h,
                                       int64_t kernel_w) {
  int64_t best_at = h0 * in_w + w0;
  Acc best = cast_value<Acc>(plane[best_at]);
  for (int64_t h = h0; h < h0 + kernel_h; ++h)
    for (int64_t w = w0; w < w0 + kernel_w; ++w) {
      const Acc v = cast_value<Acc>(plane[h * in_w + w]);
      if (v > best || v != v) {  // v != v: NaN propagates
        best = v;
        best_at = h * in_w + w;
      }
    }
  return best_at;
}

/// window_argmax of output (oh, ow)'s window.
template <typename Acc, typename T, typename A>
MINIDL_HD_INLINE int64_t fractional_argmax(const T* plane, const FractionalPlane<A>& p, int64_t oh,
                                           int64_t ow) {
  return window_argmax<Acc>(plane, p.w.in, fractional_start(oh, p.u_h, p.alpha_h, p.h),
                            fractional_start(ow, p.u_w, p.alpha_w, p.w), p.h.kernel, p.w.kernel);
}

/// The windows [first, last) along one axis that hold position pos.
struct WindowRange {
  int64_t first, last;
};

template <typename A>
MINIDL_HD_INLINE WindowRange fractional_windows_holding(int64_t pos, A u, A alpha, const FractionalAxis& ax) {
  return {fractional_first_start_above(pos - ax.kernel, u, alpha, ax),
          fractional_first_start_above(pos, u, alpha, ax)};
}

/// The gradient of plane element `at`: the sum, in output order, of the gradients of the windows
/// rows x cols (those holding it) whose argmax it is. Gathering (rather than scattering) needs no
/// atomics and adds in the same order on every backend, so CPU and CUDA agree bit for bit.
template <typename Acc, typename T>
MINIDL_HD_INLINE Acc gather_window_grad(const T* grad_plane, const int64_t* index_plane, int64_t out_w,
                                        int64_t at, WindowRange rows, WindowRange cols) {
  Acc sum = Acc(0);
  for (int64_t oh = rows.first; oh < rows.last; ++oh)
    for (int64_t ow = cols.first; ow < cols.last; ++ow)
      if (index_plane[oh * out_w + ow] == at) sum += cast_value<Acc>(grad_plane[oh * out_w + ow]);
  return sum;
}

/// gather_window_grad of input element (ih, iw), finding its windows by binary search.
template <typename Acc, typename T, typename A>
MINIDL_HD_INLINE Acc fractional_grad(const T* grad_plane, const int64_t* index_plane,
                                     const FractionalPlane<A>& p, int64_t ih, int64_t iw) {
  return gather_window_grad<Acc>(grad_plane, index_plane, p.w.out, ih * p.w.in + iw,
                                 fractional_windows_holding(ih, p.u_h, p.alpha_h, p.h),
                                 fractional_windows_holding(iw, p.u_w, p.alpha_w, p.w));
}

}  // namespace minidl::kernels
