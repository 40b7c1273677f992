// CPU fractional max pooling: planes are independent, so they run in parallel (above ~0.1 ms of
// work), each with the loops of kernels/math/fractional_pool.h, the CUDA kernels' math too.
#include "kernels/cpu/fractional_pool.h"

#include "kernels/dispatch.h"
#include "kernels/math/fractional_pool.h"

namespace minidl::kernels::cpu {
namespace {

// Below this many window elements a parallel region costs more than it saves.
constexpr int64_t kParallelGrain = 1 << 16;

template <typename A>
FractionalPlane<A> plane_of(const Tensor& in, const Tensor& out, Size2 kernel, const A* samples,
                            int64_t plane) {
  return fractional_plane<A>({in.size(2), out.size(2), kernel.h}, {in.size(3), out.size(3), kernel.w},
                             samples + 2 * plane);
}

}  // namespace

void fractional_max_pool2d_forward(const Tensor& x, const Tensor& samples, Size2 kernel, const Tensor& out,
                                   const Tensor& indices) {
  dispatch_floating(x.dtype(), "fractional_max_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    const T* xd = x.data<T>();
    const A* sd = samples.data<A>();
    T* yd = out.data<T>();
    int64_t* id = indices.data<int64_t>();
    const int64_t planes = x.size(0) * x.size(1), plane_in = x.size(2) * x.size(3);
    const int64_t plane_out = out.size(2) * out.size(3), work = out.numel() * kernel.h * kernel.w;
#pragma omp parallel for if (work > kParallelGrain) schedule(static)
    for (int64_t plane = 0; plane < planes; ++plane) {
      const FractionalPlane<A> p = plane_of(x, out, kernel, sd, plane);
      const T* xp = xd + plane * plane_in;
      for (int64_t oh = 0; oh < p.h.out; ++oh)
        for (int64_t ow = 0; ow < p.w.out; ++ow) {
          const int64_t at = fractional_argmax<A>(xp, p, oh, ow);
          yd[plane * plane_out + oh * p.w.out + ow] = xp[at];
          id[plane * plane_out + oh * p.w.out + ow] = at;
        }
    }
  });
}

void fractional_max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Tensor& samples,
                                    Size2 kernel, const Tensor& grad_input) {
  dispatch_floating(grad_out.dtype(), "fractional_max_pool2d backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    const T* gyd = grad_out.data<T>();
    const int64_t* id = indices.data<int64_t>();
    const A* sd = samples.data<A>();
    T* gxd = grad_input.data<T>();
    const int64_t planes = grad_input.size(0) * grad_input.size(1);
    const int64_t plane_in = grad_input.size(2) * grad_input.size(3),
                  plane_out = grad_out.size(2) * grad_out.size(3);
#pragma omp parallel for if (grad_input.numel() * 4 > kParallelGrain) schedule(static)
    for (int64_t plane = 0; plane < planes; ++plane) {
      const FractionalPlane<A> p = plane_of(grad_input, grad_out, kernel, sd, plane);
      for (int64_t ih = 0; ih < p.h.in; ++ih)
        for (int64_t iw = 0; iw < p.w.in; ++iw)
          gxd[plane * plane_in + ih * p.w.in + iw] =
              cast_value<T>(fractional_grad<A>(gyd + plane * plane_out, id + plane * plane_out, p, ih, iw));
    }
  });
}

}  // namespace minidl::kernels::cpu
