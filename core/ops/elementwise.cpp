// The differentiable element-wise ops: a kernel from kernels/elementwise.h forward,
// and a recorded backward that applies the op's derivative (kernels/math/elementwise.h)
// and sums the gradient back over broadcast dims (sum_to) in each input's dtype.
#include "core/ops/elementwise.h"

#include "core/autograd.h"
#include "core/ops/reduction.h"
#include "kernels/elementwise.h"

namespace minidl {
namespace {

using kernels::BinaryArgs;
using kernels::BinaryOp;
using kernels::TernaryArgs;
using kernels::TernaryOp;
using kernels::UnaryArgs;
using kernels::UnaryOp;

// A gradient at the broadcast shape, made to fit an input of this shape and dtype.
struct Fit {
  Shape shape;
  DType dtype;
  bool needed;
  explicit Fit(const Tensor& input)
      : shape(input.shape()), dtype(input.dtype()), needed(input.defined() && input.requires_grad()) {}
  Tensor operator()(const Tensor& grad) const {
    if (!needed) return {};
    const Tensor g = grad.shape() == shape ? grad : sum_to(grad, shape);
    return g.dtype() == dtype ? g : g.to(dtype);
  }
};

// Which of x (the input) and y (the output) a unary op's derivative reads.
struct Saves {
  bool x;
  bool y;
};

Saves saves_of(UnaryOp op) {
  switch (op) {
    case UnaryOp::Exp:
    case UnaryOp::Sqrt:
    case UnaryOp::Sigmoid:
    case UnaryOp::Tanh: return {false, true};
    case UnaryOp::RDiv: return {true, true};
    case UnaryOp::Neg:
    case UnaryOp::Sign:
    case UnaryOp::Affine: return {false, false};
    default: return {true, false};
  }
}

Tensor unary_op(UnaryArgs op, const Tensor& x) {
  Tensor y = kernels::unary(op, x);
  if (!autograd::needs_grad({x})) return y;
  const Saves saves = saves_of(op.op);
  autograd::record(kernels::op_name(op.op), y, {x}, {saves.x ? x : Tensor(), saves.y ? y : Tensor()},
                   [op, fit = Fit(x), x_ = saves.x ? x.detach() : Tensor(),
                    y_ = saves.y ? y.detach() : Tensor()](const Tensor& grad) {
                     return std::vector<Tensor>{fit(kernels::unary_backward(op, x_, y_, grad))};
                   });
  return y;
}

Tensor binary_op(BinaryArgs op, const Tensor& a, const Tensor& b) {
  Tensor y = kernels::binary(op, a, b);
  if (!autograd::needs_grad({a, b})) return y;
  const char* name = op.op == BinaryOp::Add && op.scalar == -1 ? "sub" : kernels::op_name(op.op);
  if (op.op == BinaryOp::Add || op.op == BinaryOp::Lerp) {
    // Linear: each gradient is grad times a constant.
    const double scale_a = op.op == BinaryOp::Add ? 1.0 : 1.0 - op.scalar;
    const double scale_b = op.scalar;
    autograd::record(name, y, {a, b}, [fit_a = Fit(a), fit_b = Fit(b), scale_a, scale_b](const Tensor& grad) {
      auto scaled = [&](double s) { return s == 1 ? grad : kernels::unary({UnaryOp::Affine, s, 0}, grad); };
      return std::vector<Tensor>{fit_a.needed ? fit_a(scaled(scale_a)) : Tensor(),
                                 fit_b.needed ? fit_b(scaled(scale_b)) : Tensor()};
    });
    return y;
  }
  // As PyTorch: mul's backward reads a only for b's gradient and b only for a's.
  const bool is_mul = op.op == BinaryOp::Mul;
  autograd::record(
      name, y, {a, b},
      {!is_mul || b.requires_grad() ? a : Tensor(), !is_mul || a.requires_grad() ? b : Tensor()},
      [op, fit_a = Fit(a), fit_b = Fit(b), a_ = a.detach(), b_ = b.detach()](const Tensor& grad) {
        return std::vector<Tensor>{
            fit_a.needed ? fit_a(kernels::binary_backward(op, a_, b_, grad, 0)) : Tensor(),
            fit_b.needed ? fit_b(kernels::binary_backward(op, a_, b_, grad, 1)) : Tensor()};
      });
  return y;
}

// Every in-place op: the autograd checks (core/autograd.h), the write, then the version bump
// that lets a backward see a saved tensor was changed.
template <typename Write> const Tensor& in_place(const Tensor& self, const char* op, Write write) {
  autograd::check_inplace(self, op);
  write();
  self.storage().bump_version();
  return self;
}

}  // namespace

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  return kernels::broadcast_shape(a, b, "broadcast_shapes");
}

// ---- binary ----
Tensor add(const Tensor& a, const Tensor& b) { return binary_op({BinaryOp::Add, 1.0}, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary_op({BinaryOp::Add, -1.0}, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary_op({BinaryOp::Mul}, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary_op({BinaryOp::Div}, a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) { return binary_op({BinaryOp::Maximum}, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return binary_op({BinaryOp::Minimum}, a, b); }
Tensor add(const Tensor& a, double b) { return unary_op({UnaryOp::Affine, 1.0, b}, a); }
Tensor sub(const Tensor& a, double b) { return unary_op({UnaryOp::Affine, 1.0, -b}, a); }
Tensor mul(const Tensor& a, double b) { return unary_op({UnaryOp::Affine, b, 0.0}, a); }
Tensor div(const Tensor& a, double b) { return unary_op({UnaryOp::Affine, 1.0 / b, 0.0}, a); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  MINIDL_CHECK(cond.dtype() == DType::Bool, DTypeError, "where: the condition must have dtype bool, got ",
               cond.dtype());
  Tensor y = kernels::ternary({TernaryOp::Where}, cond, a, b);
  autograd::record(
      "where", y, {a, b}, {cond},
      [cond_ = cond.detach(), fit_a = Fit(a), fit_b = Fit(b)](const Tensor& grad) {
        const Tensor zero = zeros({}, {.dtype = grad.dtype(), .device = grad.device()});
        return std::vector<Tensor>{
            fit_a.needed ? fit_a(kernels::ternary({TernaryOp::Where}, cond_, grad, zero)) : Tensor(),
            fit_b.needed ? fit_b(kernels::ternary({TernaryOp::Where}, cond_, zero, grad)) : Tensor()};
      });
  return y;
}

// ---- unary ----
Tensor neg(const Tensor& x) { return unary_op({UnaryOp::Neg}, x); }
Tensor pow(const Tensor& x, double exponent) { return unary_op({UnaryOp::Pow, exponent}, x); }
Tensor exp(const Tensor& x) { return unary_op({UnaryOp::Exp}, x); }
Tensor log(const Tensor& x) { return unary_op({UnaryOp::Log}, x); }
Tensor sqrt(const Tensor& x) { return unary_op({UnaryOp::Sqrt}, x); }
Tensor abs(const Tensor& x) { return unary_op({UnaryOp::Abs}, x); }
Tensor sign(const Tensor& x) { return unary_op({UnaryOp::Sign}, x); }
Tensor clamp(const Tensor& x, double min_value, double max_value) {
  return unary_op({UnaryOp::Clamp, min_value, max_value}, x);
}

// ---- activations ----
Tensor relu(const Tensor& x) { return unary_op({UnaryOp::Relu}, x); }
Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return unary_op({UnaryOp::LeakyRelu, negative_slope}, x);
}
Tensor sigmoid(const Tensor& x) { return unary_op({UnaryOp::Sigmoid}, x); }
Tensor tanh(const Tensor& x) { return unary_op({UnaryOp::Tanh}, x); }
Tensor gelu(const Tensor& x) { return unary_op({UnaryOp::Gelu}, x); }

// ---- comparisons ----
Tensor eq(const Tensor& a, const Tensor& b) { return kernels::binary({BinaryOp::Eq}, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return kernels::binary({BinaryOp::Gt}, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return kernels::binary({BinaryOp::Lt}, a, b); }

// ---- in place ----
const Tensor& add_(const Tensor& self, const Tensor& other, double alpha) {
  return in_place(self, "add_", [&] { kernels::binary_out({BinaryOp::Add, alpha}, self, other, self); });
}
const Tensor& add_(const Tensor& self, double other) {
  return in_place(self, "add_", [&] { kernels::unary_out({UnaryOp::Affine, 1.0, other}, self, self); });
}
const Tensor& sub_(const Tensor& self, const Tensor& other, double alpha) {
  return in_place(self, "sub_", [&] { kernels::binary_out({BinaryOp::Add, -alpha}, self, other, self); });
}
const Tensor& mul_(const Tensor& self, double factor) {
  return in_place(self, "mul_", [&] { kernels::unary_out({UnaryOp::Affine, factor, 0.0}, self, self); });
}
const Tensor& mul_(const Tensor& self, const Tensor& other) {
  return in_place(self, "mul_", [&] { kernels::binary_out({BinaryOp::Mul}, self, other, self); });
}
const Tensor& div_(const Tensor& self, double divisor) { return mul_(self, 1.0 / divisor); }
const Tensor& div_(const Tensor& self, const Tensor& other) {
  return in_place(self, "div_", [&] { kernels::binary_out({BinaryOp::Div}, self, other, self); });
}
const Tensor& addcmul_(const Tensor& self, const Tensor& t1, const Tensor& t2, double value) {
  return in_place(self, "addcmul_", [&] {
    kernels::ternary_out({TernaryOp::Addcmul, value}, self, t1, t2, self);
  });
}
const Tensor& addcdiv_(const Tensor& self, const Tensor& t1, const Tensor& t2, double value) {
  return in_place(self, "addcdiv_", [&] {
    kernels::ternary_out({TernaryOp::Addcdiv, value}, self, t1, t2, self);
  });
}
const Tensor& lerp_(const Tensor& self, const Tensor& end, double weight) {
  return in_place(self, "lerp_", [&] { kernels::binary_out({BinaryOp::Lerp, weight}, self, end, self); });
}
const Tensor& sqrt_(const Tensor& self) {
  return in_place(self, "sqrt_", [&] { kernels::unary_out({UnaryOp::Sqrt}, self, self); });
}
const Tensor& clamp_(const Tensor& self, double min_value, double max_value) {
  return in_place(self, "clamp_", [&] {
    kernels::unary_out({UnaryOp::Clamp, min_value, max_value}, self, self);
  });
}

// ---- operators ----
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, double b) { return add(a, b); }
Tensor operator-(const Tensor& a, double b) { return sub(a, b); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator/(const Tensor& a, double b) { return div(a, b); }
Tensor operator+(double a, const Tensor& b) { return add(b, a); }
Tensor operator-(double a, const Tensor& b) { return unary_op({UnaryOp::Affine, -1.0, a}, b); }
Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
Tensor operator/(double a, const Tensor& b) { return unary_op({UnaryOp::RDiv, a}, b); }

}  // namespace minidl
