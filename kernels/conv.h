// 2-d convolution without autograd (torch.nn.functional.conv2d semantics, NCHW):
// y[n, o, i, j] = b[o] + sum_{c, p, q} x[n, g*C/G + c, i*s_h - pad_h + p*d_h, j*s_w - pad_w + q*d_w]
//                                      * w[o, c, p, q],  g = o / (O/G),
// with zeros outside x. CPU: im2col + OpenBLAS GEMM; CUDA: cuDNN.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "kernels/math/window.h"

namespace minidl::kernels {

/// Stride, zero padding and dilation as {h, w} pairs, and the number of channel groups.
struct Conv2dParams {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 dilation = 1;
  int64_t groups = 1;
};

/// [N, O, H_out, W_out] for x [N, C, H, W] and weight [O, C/groups, kh, kw]; throws ShapeError
/// naming both shapes (channels that do not match, a window larger than the padded input, ...)
/// and ValueError for non-positive strides, dilations or groups or a negative padding.
Shape conv2d_output_shape(const Shape& x, const Shape& weight, const Conv2dParams& p);

/// The convolution; bias [O] or undefined. x, weight and bias share a floating dtype and device.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p);

/// Gradients with respect to the input, weight and bias; each only when asked (else undefined).
struct Conv2dGrads {
  Tensor input, weight, bias;
};
Conv2dGrads conv2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                            const Conv2dParams& p, bool need_input, bool need_weight, bool need_bias);

}  // namespace minidl::kernels
