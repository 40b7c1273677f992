// Differentiable element-wise ops with NumPy broadcasting and PyTorch's type
// promotion, on CPU and CUDA. The per-element formulas (and their derivatives)
// live once in kernels/math/elementwise.h. Math on integer tensors (div, exp, a
// double scalar, ...) computes in float32, as PyTorch does for a float scalar.
#pragma once

#include "core/tensor.h"

namespace minidl {

// ---- binary (broadcasting) ----
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double b);
Tensor sub(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);
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
// `other` broadcasts to self's shape; the result is cast to self's dtype. On a tensor
// that requires grad they throw ValueError while gradients are recorded, and each bumps
// self's version counter (autograd::check_inplace, core/autograd.h).
/// self += alpha * other
const Tensor& add_(const Tensor& self, const Tensor& other, double alpha = 1.0);
const Tensor& add_(const Tensor& self, double other);
/// self -= alpha * other
const Tensor& sub_(const Tensor& self, const Tensor& other, double alpha = 1.0);
const Tensor& mul_(const Tensor& self, double factor);
const Tensor& mul_(const Tensor& self, const Tensor& other);
const Tensor& div_(const Tensor& self, double divisor);
const Tensor& div_(const Tensor& self, const Tensor& other);
/// self += value * t1 * t2
const Tensor& addcmul_(const Tensor& self, const Tensor& t1, const Tensor& t2, double value = 1.0);
/// self += value * t1 / t2
const Tensor& addcdiv_(const Tensor& self, const Tensor& t1, const Tensor& t2, double value = 1.0);
/// self += weight * (end - self) (EMA: ema.lerp_(param, 1 - decay))
const Tensor& lerp_(const Tensor& self, const Tensor& end, double weight);
const Tensor& sqrt_(const Tensor& self);
const Tensor& clamp_(const Tensor& self, double min_value, double max_value);

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
