// conv2d and its backward step: dx is the transposed convolution of dy with the weight,
// dW the correlation of x with dy, db the sum of dy over (N, H, W) (kernels/conv.h).
#include "core/ops/conv.h"

#include "core/autograd.h"
#include "kernels/conv.h"

namespace minidl {

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2 stride, Size2 padding,
              Size2 dilation, int64_t groups) {
  const kernels::Conv2dParams p{.stride = stride, .padding = padding, .dilation = dilation, .groups = groups};
  // An unbatched [C, H, W] sample is a batch of one; the gradient is reshaped back.
  const bool unbatched = x.dim() == 3;
  const Tensor x4 = unbatched ? x.unsqueeze(0) : x;
  const Tensor out4 = kernels::conv2d(x4, weight, bias, p);
  const Tensor out = unbatched ? out4.squeeze(0) : out4;
  const bool need_x = x.requires_grad(), need_w = weight.requires_grad();
  const bool need_b = bias.defined() && bias.requires_grad();
  autograd::record(
      "conv2d", out, {x, weight, bias}, {x4, weight},
      [x4_ = x4.detach(), w_ = weight.detach(), x_shape = x.shape(), out4_shape = out4.shape(), p, need_x,
       need_w, need_b](const Tensor& grad) {
        const kernels::Conv2dGrads g =
            kernels::conv2d_backward(grad.reshape(out4_shape), x4_, w_, p, need_x, need_w, need_b);
        return std::vector<Tensor>{g.input.defined() ? g.input.view(x_shape) : g.input, g.weight, g.bias};
      });
  return out;
}

}  // namespace minidl
