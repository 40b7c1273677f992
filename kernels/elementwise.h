// Backend-neutral element-wise kernels, without autograd: broadcasting, PyTorch type
// promotion, device checks and output allocation, then kernels/cpu/ or kernels/cuda/
// by device. The per-element formulas are kernels/math/elementwise.h; an op is named
// by an enum plus its scalar parameters (kernels/elementwise_visit.h maps it to a functor).
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace minidl::kernels {

enum class UnaryOp : uint8_t {
  Neg,
  Exp,
  Log,
  Sqrt,
  Abs,
  Sign,
  Pow,
  Clamp,
  Affine,
  RDiv,
  Relu,
  LeakyRelu,
  Sigmoid,
  Tanh,
  Gelu
};
/// A unary op and its scalars: Pow (a = exponent), Clamp (a = low, b = high),
/// Affine (a*x + b), RDiv (a / x), LeakyRelu (a = negative slope).
struct UnaryArgs {
  UnaryOp op;
  double a = 0;
  double b = 0;
};

enum class BinaryOp : uint8_t { Add, Mul, Div, Maximum, Minimum, Lerp, Eq, Gt, Lt };
/// A binary op and its scalar: Add (a + scalar*b; sub is scalar = -1), Lerp (weight).
struct BinaryArgs {
  BinaryOp op;
  double scalar = 1;
};

enum class TernaryOp : uint8_t { Where, Addcmul, Addcdiv };
/// A ternary op and its scalar: Addcmul/Addcdiv (value).
struct TernaryArgs {
  TernaryOp op;
  double scalar = 1;
};

/// "add", "relu", ... for messages.
const char* op_name(UnaryOp op);
const char* op_name(BinaryOp op);
const char* op_name(TernaryOp op);

/// The shape a and b broadcast to; throws ShapeError naming both and `op`.
Shape broadcast_shape(const Shape& a, const Shape& b, const char* op = "broadcast");
/// Throws DeviceError naming both devices unless all defined tensors share one device.
void check_same_device(const std::vector<Tensor>& tensors, const char* op);
/// The dtype `op` computes in for these input dtypes (promotion; integers to float32
/// for floating-only ops); throws DTypeError for dtypes it cannot take.
DType compute_dtype(UnaryArgs op, DType x);
DType compute_dtype(BinaryArgs op, DType a, DType b);

// ---- forward: new outputs ----
Tensor unary(UnaryArgs op, const Tensor& x);
/// Broadcasting; comparisons return bool.
Tensor binary(BinaryArgs op, const Tensor& a, const Tensor& b);
/// Broadcasting all three; Where takes a bool (or any) condition first.
Tensor ternary(TernaryArgs op, const Tensor& a, const Tensor& b, const Tensor& c);

// ---- forward into an existing tensor (in place when out is an input) ----
/// The inputs broadcast to out's shape; the result is cast to out's dtype.
void unary_out(UnaryArgs op, const Tensor& x, const Tensor& out);
void binary_out(BinaryArgs op, const Tensor& a, const Tensor& b, const Tensor& out);
void ternary_out(TernaryArgs op, const Tensor& a, const Tensor& b, const Tensor& c, const Tensor& out);

// ---- backward: grad * d(op)/d(input), at the output's (broadcast) shape ----
/// x: the input, y: the output (either may be undefined when the formula does not use it).
Tensor unary_backward(UnaryArgs op, const Tensor& x, const Tensor& y, const Tensor& grad);
/// The gradient of input `input` (0 = a, 1 = b) of a binary floating op.
Tensor binary_backward(BinaryArgs op, const Tensor& a, const Tensor& b, const Tensor& grad, int input);

}  // namespace minidl::kernels
