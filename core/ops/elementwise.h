// Differentiable element-wise ops with NumPy broadcasting and PyTorch's type
// promotion, on CPU and CUDA. The per-element formulas (and their derivatives)
// live once in kernels/math/elementwise.h.
#pragma once

#include "core/tensor.h"

namespace minidl {

// ---- binary (broadcasting) ----
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
/// Element-wise maximum/minimum (gradient to the larger/smaller; ties split evenly as in PyTorch).
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
/// cond ? a : b, cond of dtype bool (broadcasting all three).
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// ---- unary ----
Tensor neg(const Tensor& x);
Tensor pow(const Tensor& x, double exponent);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
/// -1, 0 or 1 (sign(0) = 0); its gradient is zero.
Tensor sign(const Tensor& x);
Tensor clamp(const Tensor& x, double min_value, double max_value);

// ---- activations ----
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
/// The exact (erf) GELU, PyTorch's default.
Tensor gelu(const Tensor& x);

// ---- comparisons (bool results, not differentiable) ----
Tensor eq(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);

// ---- in place (never recorded; for optimizers and initializers under NoGradGuard) ----
const Tensor& add_(const Tensor& self, const Tensor& other, double alpha = 1.0);
const Tensor& mul_(const Tensor& self, double factor);
const Tensor& mul_(const Tensor& self, const Tensor& other);

// ---- operators ----
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);

/// The shape both broadcast to; throws ShapeError naming both.
Shape broadcast_shapes(const Shape& a, const Shape& b);

}  // namespace minidl
