// CPU fractional max pooling: planes are independent, so they run in parallel (above ~0.1 ms of
// work), with the window math of kernels/math/fractional_pool.h, the CUDA kernels' too. Backward
// scatters each output's gradient to its argmax in output order, accumulating in acc_t: the very
// sums, in the same order, that the CUDA kernel gathers per input element (gather_window_grad).
#include "kernels/cpu/fractional_pool.h"

#include <vector>

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
      std::vector<int64_t> cols(static_cast<std::size_t>(p.w.out));
      for (int64_t ow = 0; ow < p.w.out; ++ow) cols[ow] = fractional_start(ow, p.u_w, p.alpha_w, p.w);
      const T* xp = xd + plane * plane_in;
      for (int64_t oh = 0; oh < p.h.out; ++oh) {
        const int64_t h0 = fractional_start(oh, p.u_h, p.alpha_h, p.h);
        for (int64_t ow = 0; ow < p.w.out; ++ow) {
          const int64_t at = window_argmax<A>(xp, p.w.in, h0, cols[ow], kernel.h, kernel.w);
          yd[plane * plane_out + oh * p.w.out + ow] = xp[at];
          id[plane * plane_out + oh * p.w.out + ow] = at;
        }
      }
    }
  });
}

void fractional_max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Tensor& grad_input) {
  dispatch_floating(grad_out.dtype(), "fractional_max_pool2d backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    const T* gyd = grad_out.data<T>();
    const int64_t* id = indices.data<int64_t>();
    T* gxd = grad_input.data<T>();
    const int64_t planes = grad_input.size(0) * grad_input.size(1);
    const int64_t plane_in = grad_input.size(2) * grad_input.size(3),
                  plane_out = grad_out.size(2) * grad_out.size(3);
#pragma omp parallel for if (grad_input.numel() + grad_out.numel() > kParallelGrain) schedule(static)
    for (int64_t plane = 0; plane < planes; ++plane) {
      std::vector<A> sums(static_cast<std::size_t>(plane_in), A(0));
      const T* gyp = gyd + plane * plane_out;
      const int64_t* ip = id + plane * plane_out;
      for (int64_t o = 0; o < plane_out; ++o)  // an index outside the plane is ignored, as in the gather
        if (ip[o] >= 0 && ip[o] < plane_in) sums[ip[o]] += cast_value<A>(gyp[o]);
      T* gxp = gxd + plane * plane_in;
      for (int64_t i = 0; i < plane_in; ++i) gxp[i] = cast_value<T>(sums[i]);
    }
  });
}

}  // namespace minidl::kernels::cpu
