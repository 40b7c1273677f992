// CPU pooling: every (n, c) plane is independent, so planes run in parallel and the
// backward scatters of max and average pooling need no atomics. Max pooling's backward
// finds each window's argmax again instead of storing indices in the forward; 2x2 windows
// at stride 2 take a direct path.
#include "kernels/cpu/pooling.h"

#include <algorithm>

#include "kernels/math/pooling.h"

namespace minidl::kernels::cpu {
namespace {

// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kParallelGrain = 1 << 16;

PoolGeometry geometry(const Tensor& in, const Tensor& out, const Pool2dParams& p) {
  return {in.size(2), in.size(3), out.size(2), out.size(3), p.kernel.h,         p.kernel.w,
          p.stride.h, p.stride.w, p.padding.h, p.padding.w, p.count_include_pad};
}

AdaptiveGeometry adaptive_geometry(const Tensor& in, const Tensor& out) {
  return {in.size(2), in.size(3), out.size(2), out.size(3)};
}

// Calls body(plane) for each of the N*C planes of `t`, in parallel when worth it.
template <typename F> void for_each_plane(const Tensor& t, int64_t work, F&& body) {
  const int64_t planes = t.size(0) * t.size(1);
#pragma omp parallel for if (work > kParallelGrain) schedule(static)
  for (int64_t plane = 0; plane < planes; ++plane) body(plane);
}

// Calls fn(T) with T = float or double, the dtype of t.
template <typename F> void typed(const Tensor& t, F&& fn) {
  if (t.dtype() == DType::Float32)
    fn(float{});
  else
    fn(double{});
}

// 2x2 windows at stride 2 (is_plain_2x2_pool): each output reads rows 2*oh and 2*oh + 1
// directly, with no window arithmetic or clipping per output.
template <typename T>
void max_pool_2x2_plane(const T* __restrict xp, T* __restrict yp, const PoolGeometry& g) {
  for (int64_t oh = 0; oh < g.out_h; ++oh) {
    const T* top = xp + 2 * oh * g.in_w;
    const T* bottom = top + g.in_w;
    T* y = yp + oh * g.out_w;
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      y[ow] = max_value_2x2<T>(top[2 * ow], top[2 * ow + 1], bottom[2 * ow], bottom[2 * ow + 1]);
    }
  }
}

// Its backward writes every input position once: the windows tile the plane, so each gets its
// output's gradient or 0, and only the rows and columns no window covers need zeroing.
// (__restrict: dx never overlaps x or dy, which lets the compiler vectorize the loop.)
template <typename T>
void max_pool_2x2_plane_backward(const T* __restrict xp, const T* __restrict gyp, T* __restrict gxp,
                                 const PoolGeometry& g) {
  for (int64_t oh = 0; oh < g.out_h; ++oh) {
    const T* top = xp + 2 * oh * g.in_w;
    const T* bottom = top + g.in_w;
    T* gtop = gxp + 2 * oh * g.in_w;
    T* gbottom = gtop + g.in_w;
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      const int at = max_of_2x2<T>(top[2 * ow], top[2 * ow + 1], bottom[2 * ow], bottom[2 * ow + 1]);
      gtop[2 * ow] = gtop[2 * ow + 1] = gbottom[2 * ow] = gbottom[2 * ow + 1] = T(0);
      gtop[(at >> 1) * g.in_w + 2 * ow + (at & 1)] = gyp[oh * g.out_w + ow];  // no branch on the data
    }
    for (int64_t w = 2 * g.out_w; w < g.in_w; ++w) gtop[w] = gbottom[w] = T(0);  // odd width
  }
  std::fill(gxp + 2 * g.out_h * g.in_w, gxp + g.in_h * g.in_w, T(0));  // odd height
}

}  // namespace

void max_pool2d_forward(const Tensor& x, const Pool2dParams& p, const Tensor& out) {
  const PoolGeometry g = geometry(x, out, p);
  typed(x, [&](auto zero) {
    using T = decltype(zero);
    const T* xd = x.data<T>();
    T* yd = out.data<T>();
    const bool plain_2x2 = is_plain_2x2_pool(g);
    for_each_plane(x, x.numel(), [&](int64_t plane) {
      const T* xp = xd + plane * g.in_h * g.in_w;
      T* yp = yd + plane * g.out_h * g.out_w;
      if (plain_2x2) return max_pool_2x2_plane(xp, yp, g);
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow)
          yp[oh * g.out_w + ow] = xp[max_pool_argmax<T>(xp, g, oh, ow)];
    });
  });
}

void max_pool2d_backward(const Tensor& grad_out, const Tensor& x, const Pool2dParams& p,
                         const Tensor& grad_input) {
  const PoolGeometry g = geometry(x, grad_out, p);
  typed(x, [&](auto zero) {
    using T = decltype(zero);
    const T* xd = x.data<T>();
    const T* gyd = grad_out.data<T>();
    T* gxd = grad_input.data<T>();
    const bool plain_2x2 = is_plain_2x2_pool(g);
    for_each_plane(x, x.numel(), [&](int64_t plane) {
      const T* xp = xd + plane * g.in_h * g.in_w;
      const T* gyp = gyd + plane * g.out_h * g.out_w;
      T* gxp = gxd + plane * g.in_h * g.in_w;
      if (plain_2x2) return max_pool_2x2_plane_backward(xp, gyp, gxp, g);
      std::fill(gxp, gxp + g.in_h * g.in_w, T(0));
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow)
          gxp[max_pool_argmax<T>(xp, g, oh, ow)] += gyp[oh * g.out_w + ow];
    });
  });
}

void avg_pool2d_forward(const Tensor& x, const Pool2dParams& p, const Tensor& out) {
  const PoolGeometry g = geometry(x, out, p);
  typed(x, [&](auto zero) {
    using T = decltype(zero);
    const T* xd = x.data<T>();
    T* yd = out.data<T>();
    for_each_plane(x, x.numel(), [&](int64_t plane) {
      const T* xp = xd + plane * g.in_h * g.in_w;
      T* yp = yd + plane * g.out_h * g.out_w;
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow) yp[oh * g.out_w + ow] = avg_pool_value<T>(xp, g, oh, ow);
    });
  });
}

void avg_pool2d_backward(const Tensor& grad_out, const Pool2dParams& p, const Tensor& grad_input) {
  const PoolGeometry g = geometry(grad_input, grad_out, p);
  typed(grad_input, [&](auto zero) {
    using T = decltype(zero);
    const T* gyd = grad_out.data<T>();
    T* gxd = grad_input.data<T>();
    for_each_plane(grad_input, grad_input.numel(), [&](int64_t plane) {
      const T* gyp = gyd + plane * g.out_h * g.out_w;
      T* gxp = gxd + plane * g.in_h * g.in_w;
      std::fill(gxp, gxp + g.in_h * g.in_w, T(0));
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          const PoolWindow win = pool_window(g, oh, ow);
          const T share = gyp[oh * g.out_w + ow] / static_cast<T>(win.divisor);
          for (int64_t h = win.h0; h < win.h1; ++h)
            for (int64_t w = win.w0; w < win.w1; ++w) gxp[h * g.in_w + w] += share;
        }
    });
  });
}

void adaptive_avg_pool2d_forward(const Tensor& x, const Tensor& out) {
  const AdaptiveGeometry g = adaptive_geometry(x, out);
  typed(x, [&](auto zero) {
    using T = decltype(zero);
    const T* xd = x.data<T>();
    T* yd = out.data<T>();
    for_each_plane(x, x.numel(), [&](int64_t plane) {
      const T* xp = xd + plane * g.in_h * g.in_w;
      T* yp = yd + plane * g.out_h * g.out_w;
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow) yp[oh * g.out_w + ow] = adaptive_avg_value<T>(xp, g, oh, ow);
    });
  });
}

void adaptive_avg_pool2d_backward(const Tensor& grad_out, const Tensor& grad_input) {
  const AdaptiveGeometry g = adaptive_geometry(grad_input, grad_out);
  typed(grad_input, [&](auto zero) {
    using T = decltype(zero);
    const T* gyd = grad_out.data<T>();
    T* gxd = grad_input.data<T>();
    for_each_plane(grad_input, grad_input.numel(), [&](int64_t plane) {
      const T* gyp = gyd + plane * g.out_h * g.out_w;
      T* gxp = gxd + plane * g.in_h * g.in_w;
      for (int64_t h = 0; h < g.in_h; ++h)
        for (int64_t w = 0; w < g.in_w; ++w) gxp[h * g.in_w + w] = adaptive_avg_grad<T>(gyp, g, h, w);
    });
  });
}

}  // namespace minidl::kernels::cpu
