// Maps an op enum (kernels/elementwise.h) to its functor (kernels/math/elementwise.h)
// and a runtime dtype to the C++ types that functor is instantiated for. Host code
// shared by the dispatcher and both backends, so each op is named in one place and
// integer kernels exist only for the ops that take integers.
#pragma once

#include "kernels/dispatch.h"
#include "kernels/elementwise.h"
#include "kernels/math/elementwise.h"

namespace minidl::kernels {

template <typename V> decltype(auto) visit_op(UnaryArgs args, V&& v) {
  switch (args.op) {
    case UnaryOp::Neg: return v(Neg{});
    case UnaryOp::Exp: return v(Exp{});
    case UnaryOp::Log: return v(Log{});
    case UnaryOp::Sqrt: return v(Sqrt{});
    case UnaryOp::Abs: return v(Abs{});
    case UnaryOp::Sign: return v(Sign{});
    case UnaryOp::Pow: return v(Pow{args.a});
    case UnaryOp::Clamp: return v(Clamp{args.a, args.b});
    case UnaryOp::Affine: return v(Affine{args.a, args.b});
    case UnaryOp::RDiv: return v(RDiv{args.a});
    case UnaryOp::Relu: return v(Relu{});
    case UnaryOp::LeakyRelu: return v(LeakyRelu{args.a});
    case UnaryOp::Sigmoid: return v(Sigmoid{});
    case UnaryOp::Tanh: return v(Tanh{});
    case UnaryOp::Gelu: return v(Gelu{});
  }
  throw ValueError("unknown unary op");
}

template <typename V> decltype(auto) visit_op(BinaryArgs args, V&& v) {
  switch (args.op) {
    case BinaryOp::Add: return v(Add{args.scalar});
    case BinaryOp::Mul: return v(Mul{});
    case BinaryOp::Div: return v(Div{});
    case BinaryOp::Maximum: return v(Maximum{});
    case BinaryOp::Minimum: return v(Minimum{});
    case BinaryOp::Lerp: return v(Lerp{args.scalar});
    case BinaryOp::Eq: return v(Eq{});
    case BinaryOp::Gt: return v(Gt{});
    case BinaryOp::Lt: return v(Lt{});
  }
  throw ValueError("unknown binary op");
}

template <typename V> decltype(auto) visit_op(TernaryArgs args, V&& v) {
  switch (args.op) {
    case TernaryOp::Where: return v(Where{});
    case TernaryOp::Addcmul: return v(Addcmul{args.scalar});
    case TernaryOp::Addcdiv: return v(Addcdiv{args.scalar});
  }
  throw ValueError("unknown ternary op");
}

/// Binary ops whose gradients need a kernel: those with bwd_a/bwd_b that are not linear
/// (a linear op's gradients are grad times a constant, done with Affine).
template <typename F> inline constexpr bool kNeedsBackwardKernel = requires(F f, float x) {
  f.bwd_a(x, x, x);
}
&&!requires { F::kLinear; };

/// Calls f(TypeTag<T>{}) for the storage type T of dtype, among those op F takes;
/// throws DTypeError for others (the dispatcher promotes before it gets here).
template <typename F, typename Fn> void dispatch_op_dtype(DType dtype, const char* name, Fn&& f) {
  if (is_floating(dtype)) return dispatch_floating(dtype, name, f);
  if constexpr (F::kDTypes != OpDTypes::Floating) {
    switch (dtype) {
      case DType::Int32: return f(TypeTag<int32_t>{});
      case DType::Int64: return f(TypeTag<int64_t>{});
      case DType::UInt8: return f(TypeTag<uint8_t>{});
      case DType::Bool:
        if constexpr (F::kDTypes == OpDTypes::All) return f(TypeTag<bool>{});
        break;
      default: break;
    }
  }
  throw DTypeError(::minidl::detail::str_cat(name, ": not implemented for dtype ", dtype));
}

}  // namespace minidl::kernels
