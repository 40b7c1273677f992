// Fractional max pooling without autograd (Graham 2014; PyTorch's fractional_max_pool2d with
// `_random_samples`): windows from kernels/math/fractional_pool.h, one thread/loop iteration per
// output element forward; backward gathers each input element's gradient from the windows
// whose argmax it is. CPU: kernels/cpu/fractional_pool.cpp; CUDA: kernels/cuda/fractional_pool.cu.
#pragma once

#include "core/tensor.h"
#include "kernels/math/window.h"

namespace minidl::kernels {

/// The output and, per output element, the plane index h * W + w of its maximum (Int64).
struct FractionalPoolResult {
  Tensor output;
  Tensor indices;
};

/// [N, C, output_size.h, output_size.w] after checking x [N, C, H, W], samples [N, C, 2], a
/// positive kernel and output size and output + kernel - 1 <= input per axis (PyTorch's rule);
/// errors name the shapes.
Shape fractional_max_pool2d_output_shape(const Shape& x, const Shape& samples, Size2 kernel,
                                         Size2 output_size);

/// x [N, C, H, W] floating; samples [N, C, 2] floating (u_w, u_h per plane, in [0, 1)), cast to
/// float (double for a double x) as the window arithmetic's type.
FractionalPoolResult fractional_max_pool2d(const Tensor& x, const Tensor& samples, Size2 kernel,
                                           Size2 output_size);

/// Gradient w.r.t. x (of shape input_shape): grad_out summed into each window's argmax.
/// samples and kernel as in the forward pass, indices its result.
Tensor fractional_max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Tensor& samples,
                                      const Shape& input_shape, Size2 kernel);

}  // namespace minidl::kernels
