// matmul and linear with their backward steps. For C = A @ B: dA = dC @ B^T and
// dB = A^T @ dC, summed over the batch dims each operand was broadcast along; 1-d
// operands are handled as a row (left) or a column (right) and reshaped back.
#include "core/ops/linalg.h"

#include "core/autograd.h"
#include "core/ops/reduction.h"
#include "kernels/linalg.h"

namespace minidl {
namespace {

Tensor as_row(const Tensor& a) { return a.dim() == 1 ? a.unsqueeze(0) : a; }
Tensor as_column(const Tensor& b) { return b.dim() == 1 ? b.unsqueeze(1) : b; }
Tensor transpose_last(const Tensor& t) { return t.transpose(-2, -1); }

// The gradient of an operand that may have been broadcast along batch dims.
Tensor reduce_to(const Tensor& grad, const Shape& shape) {
  return grad.shape() == shape ? grad : sum_to(grad, shape);
}

Tensor matmul_grad_a(const Tensor& g2, const Tensor& a2, const Tensor& b2) {
  return reduce_to(kernels::matmul(g2, transpose_last(b2)), a2.shape());
}

Tensor matmul_grad_b(const Tensor& g2, const Tensor& a2, const Tensor& b2) {
  if (b2.dim() == 2 && a2.dim() > 2) {
    // A shared matrix: one GEMM over all stacked rows instead of a batch of them and a sum.
    const int64_t k = a2.size(-1), n = g2.size(-1);
    return kernels::matmul(a2.reshape({-1, k}).t(), g2.reshape({-1, n}));
  }
  return reduce_to(kernels::matmul(transpose_last(a2), g2), b2.shape());
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  const Tensor out = kernels::matmul(a, b);
  const bool need_a = a.requires_grad(), need_b = b.requires_grad();
  // As PyTorch's mm: a is read only for b's gradient and b only for a's.
  autograd::record("matmul", out, {a, b}, {need_b ? a : Tensor(), need_a ? b : Tensor()},
                   [a_ = a.detach(), b_ = b.detach(), need_a, need_b](const Tensor& grad) {
                     const Tensor a2 = as_row(a_), b2 = as_column(b_);
                     Shape shape2 = kernels::matmul_output_shape(a2.shape(), b2.shape());
                     const Tensor g2 = grad.reshape(shape2);
                     Tensor ga, gb;
                     if (need_a) ga = matmul_grad_a(g2, a2, b2).reshape(a_.shape());
                     if (need_b) gb = matmul_grad_b(g2, a2, b2).reshape(b_.shape());
                     return std::vector<Tensor>{ga, gb};
                   });
  return out;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  MINIDL_CHECK(weight.dim() == 2 && x.dim() >= 1 && x.size(-1) == weight.size(1), ShapeError,
               "linear: input of shape ", shape_str(x.shape()), " does not match weight of shape ",
               shape_str(weight.shape()), " (expected [..., in] and [out, in])");
  MINIDL_CHECK(x.dtype() == weight.dtype() && x.device() == weight.device(), DTypeError, "linear: input is ",
               x.dtype(), " on ", x.device(), ", weight ", weight.dtype(), " on ", weight.device());
  const int64_t in = weight.size(1), out_features = weight.size(0);
  if (bias.defined()) {
    MINIDL_CHECK(bias.dim() == 1 && bias.size(0) == out_features, ShapeError, "linear: bias of shape ",
                 shape_str(bias.shape()), " does not match weight of shape ", shape_str(weight.shape()));
    MINIDL_CHECK(bias.dtype() == weight.dtype() && bias.device() == weight.device(), DTypeError,
                 "linear: bias is ", bias.dtype(), " on ", bias.device(), ", weight ", weight.dtype(), " on ",
                 weight.device());
  }
  const int64_t rows = shape_numel(Shape(x.shape().begin(), x.shape().end() - 1));
  const Tensor x2 = x.reshape({rows, in});
  const Tensor y2 = empty({rows, out_features}, {.dtype = x.dtype(), .device = x.device()});
  // As addmm: the output starts as the broadcast bias and the GEMM adds to it (beta = 1).
  if (bias.defined()) y2.copy_(bias.expand({rows, out_features}));
  kernels::matmul_into(x2, weight.t(), y2, 1.0, bias.defined() ? 1.0 : 0.0);
  Shape out_shape = x.shape();
  out_shape.back() = out_features;
  const Tensor y = y2.view(out_shape);
  const bool need_x = x.requires_grad(), need_w = weight.requires_grad();
  const bool need_b = bias.defined() && bias.requires_grad();
  autograd::record("linear", y, {x, weight, bias}, {need_w ? x2 : Tensor(), need_x ? weight : Tensor()},
                   [x2_ = x2.detach(), w_ = weight.detach(), x_shape = x.shape(), need_x, need_w,
                    need_b](const Tensor& grad) {
                     const Tensor g2 = grad.reshape({x2_.size(0), w_.size(0)});
                     Tensor gx, gw, gb;
                     if (need_x) gx = kernels::matmul(g2, w_).view(x_shape);
                     if (need_w) gw = kernels::matmul(g2.t(), x2_);
                     if (need_b) gb = sum(g2, {0});
                     return std::vector<Tensor>{gx, gw, gb};
                   });
  return y;
}

}  // namespace minidl
