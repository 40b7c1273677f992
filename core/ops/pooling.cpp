// Pooling ops and their backward steps (kernels/pooling.h). An unbatched [C, H, W]
// input runs as a batch of one and its gradient is reshaped back.
#include "core/ops/pooling.h"

#include "core/autograd.h"
#include "kernels/pooling.h"

namespace minidl {
namespace {

Tensor batched(const Tensor& x) { return x.dim() == 3 ? x.unsqueeze(0) : x; }
Tensor unbatched_like(const Tensor& out4, const Tensor& x) { return x.dim() == 3 ? out4.squeeze(0) : out4; }

kernels::Pool2dParams params(Size2 kernel, Size2 stride, Size2 padding, bool count_include_pad) {
  MINIDL_CHECK((stride.h == 0) == (stride.w == 0), ValueError, "pooling: stride (", stride.h, ", ", stride.w,
               ") must be positive, or 0 for both to mean the kernel size");
  return {.kernel = kernel,
          .stride = stride.h == 0 ? kernel : stride,
          .padding = padding,
          .count_include_pad = count_include_pad};
}

// Pooling through kernels forward/backward pair `Fwd`/`Bwd` that take (grad, x, out, params).
template <typename Fwd, typename Bwd>
Tensor window_pool(const char* name, const Tensor& x, const kernels::Pool2dParams& p, Fwd forward,
                   Bwd backward) {
  const Tensor x4 = batched(x);
  const Tensor out4 = forward(x4, p);
  const Tensor out = unbatched_like(out4, x);
  autograd::record(
      name, out, {x}, {x4, out4},
      [x4_ = x4.detach(), out4_ = out4.detach(), x_shape = x.shape(), p, backward](const Tensor& grad) {
        const Tensor g4 = grad.reshape(out4_.shape());
        return std::vector<Tensor>{backward(g4, x4_, out4_, p).view(x_shape)};
      });
  return out;
}

}  // namespace

Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding) {
  return window_pool("max_pool2d", x, params(kernel, stride, padding, true), kernels::max_pool2d,
                     kernels::max_pool2d_backward);
}

Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride, Size2 padding, bool count_include_pad) {
  return window_pool("avg_pool2d", x, params(kernel, stride, padding, count_include_pad), kernels::avg_pool2d,
                     kernels::avg_pool2d_backward);
}

Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size) {
  const Tensor x4 = batched(x);
  const Tensor out4 = kernels::adaptive_avg_pool2d(x4, output_size);
  const Tensor out = unbatched_like(out4, x);
  autograd::record("adaptive_avg_pool2d", out, {x}, {x4},
                   [x4_ = x4.detach(), out_shape = out4.shape(), x_shape = x.shape()](const Tensor& grad) {
                     return std::vector<Tensor>{
                         kernels::adaptive_avg_pool2d_backward(grad.reshape(out_shape), x4_).view(x_shape)};
                   });
  return out;
}

Tensor global_avg_pool2d(const Tensor& x) { return adaptive_avg_pool2d(x, 1); }

}  // namespace minidl
