// Dispatch of the element-wise kernels: device and shape checks, type promotion
// (inputs are cast to the computation dtype, so each backend kernel sees one dtype),
// output allocation, then the CPU or CUDA backend.
#include "kernels/elementwise.h"

#include "kernels/cpu/elementwise.h"
#include "kernels/elementwise_visit.h"
#include "kernels/map_layout.h"
#include "kernels/ops.h"
#if defined(MINIDL_WITH_CUDA)
#include "kernels/cuda/elementwise.h"
#endif

namespace minidl::kernels {
namespace {

template <typename Args> OpDTypes dtypes_of(Args args) {
  return visit_op(args, [](auto f) { return decltype(f)::kDTypes; });
}

DType resolve(OpDTypes kinds, DType promoted, const char* op) {
  if (kinds == OpDTypes::Floating && !is_floating(promoted)) return DType::Float32;
  MINIDL_CHECK(kinds != OpDTypes::Arithmetic || promoted != DType::Bool, DTypeError, op,
               ": not implemented for dtype bool");
  return promoted;
}

bool is_comparison(BinaryOp op) { return op == BinaryOp::Eq || op == BinaryOp::Gt || op == BinaryOp::Lt; }

// t in dtype (a copy only when it differs).
Tensor as_dtype(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out = empty(t.shape(), {.dtype = dtype, .device = t.device()});
  copy(t, out);
  return out;
}

// Checks that inputs broadcast to exactly out's shape.
void check_fits(const Shape& result, const Tensor& out, const char* op) {
  MINIDL_CHECK(result == out.shape(), ShapeError, op, ": the result of shape ", shape_str(result),
               " does not match the output of shape ", shape_str(out.shape()));
}

// Runs `launch(target)` where target has the result dtype, then casts into out if needed.
template <typename Launch> void into(const Tensor& out, DType result, const char* op, Launch&& launch) {
  if (out.numel() == 0) return;
  if (out.dtype() == result) return launch(out);
  MINIDL_CHECK(is_floating(out.dtype()) || !is_floating(result), DTypeError, op, ": result type ", result,
               " can't be cast to the output dtype ", out.dtype());
  const Tensor staged = empty(out.shape(), {.dtype = result, .device = out.device()});
  launch(staged);
  copy(staged, out);
}

void run(UnaryArgs op, const Tensor& x, const Tensor& out) {
  const MapLayout layout = make_map_layout(out, {x});
  if (out.device().is_cpu())
    cpu::unary(op, layout, x, out);
  else
    MINIDL_CUDA_DISPATCH(cuda::unary(op, layout, x, out));
}

void run(BinaryArgs op, const Tensor& a, const Tensor& b, const Tensor& out) {
  const MapLayout layout = make_map_layout(out, {a, b});
  if (out.device().is_cpu())
    cpu::binary(op, layout, a, b, out);
  else
    MINIDL_CUDA_DISPATCH(cuda::binary(op, layout, a, b, out));
}

void run(TernaryArgs op, const Tensor& a, const Tensor& b, const Tensor& c, const Tensor& out) {
  const MapLayout layout = make_map_layout(out, {a, b, c});
  if (out.device().is_cpu())
    cpu::ternary(op, layout, a, b, c, out);
  else
    MINIDL_CUDA_DISPATCH(cuda::ternary(op, layout, a, b, c, out));
}

DType ternary_dtype(TernaryArgs op, const Tensor& a, const Tensor& b, const Tensor& c) {
  // Where's condition only selects: it does not take part in promotion.
  const DType promoted = op.op == TernaryOp::Where
                             ? promote_types(b.dtype(), c.dtype())
                             : promote_types(a.dtype(), promote_types(b.dtype(), c.dtype()));
  return resolve(dtypes_of(op), promoted, op_name(op.op));
}

}  // namespace

Shape broadcast_shape(const Shape& a, const Shape& b, const char* op) {
  const std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    MINIDL_CHECK(da == db || da == 1 || db == 1, ShapeError, op, ": shapes ", shape_str(a), " and ",
                 shape_str(b), " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

void check_same_device(const std::vector<Tensor>& tensors, const char* op) {
  const Tensor* first = nullptr;
  for (const Tensor& t : tensors) {
    if (!t.defined()) continue;
    if (!first) first = &t;
    MINIDL_CHECK(t.device() == first->device(), DeviceError, op,
                 ": expected all tensors on the same device, got ", first->device(), " and ", t.device());
  }
}

DType compute_dtype(UnaryArgs op, DType x) { return resolve(dtypes_of(op), x, op_name(op.op)); }

DType compute_dtype(BinaryArgs op, DType a, DType b) {
  return resolve(dtypes_of(op), promote_types(a, b), op_name(op.op));
}

Tensor unary(UnaryArgs op, const Tensor& x) {
  const DType dtype = compute_dtype(op, x.dtype());
  Tensor out = empty(x.shape(), {.dtype = dtype, .device = x.device()});
  if (out.numel() > 0) run(op, as_dtype(x, dtype), out);
  return out;
}

Tensor binary(BinaryArgs op, const Tensor& a, const Tensor& b) {
  const char* name = op_name(op.op);
  check_same_device({a, b}, name);
  const Shape shape = broadcast_shape(a.shape(), b.shape(), name);
  const DType dtype = compute_dtype(op, a.dtype(), b.dtype());
  Tensor out = empty(shape, {.dtype = is_comparison(op.op) ? DType::Bool : dtype, .device = a.device()});
  if (out.numel() > 0) run(op, as_dtype(a, dtype), as_dtype(b, dtype), out);
  return out;
}

Tensor ternary(TernaryArgs op, const Tensor& a, const Tensor& b, const Tensor& c) {
  const char* name = op_name(op.op);
  check_same_device({a, b, c}, name);
  const Shape shape = broadcast_shape(a.shape(), broadcast_shape(b.shape(), c.shape(), name), name);
  const DType dtype = ternary_dtype(op, a, b, c);
  Tensor out = empty(shape, {.dtype = dtype, .device = a.device()});
  if (out.numel() > 0) run(op, as_dtype(a, dtype), as_dtype(b, dtype), as_dtype(c, dtype), out);
  return out;
}

void unary_out(UnaryArgs op, const Tensor& x, const Tensor& out) {
  const char* name = op_name(op.op);
  check_same_device({x, out}, name);
  check_fits(broadcast_shape(x.shape(), out.shape(), name), out, name);
  const DType dtype = compute_dtype(op, x.dtype());
  into(out, dtype, name, [&](const Tensor& target) { run(op, as_dtype(x, dtype), target); });
}

void binary_out(BinaryArgs op, const Tensor& a, const Tensor& b, const Tensor& out) {
  const char* name = op_name(op.op);
  check_same_device({a, b, out}, name);
  check_fits(broadcast_shape(broadcast_shape(a.shape(), b.shape(), name), out.shape(), name), out, name);
  const DType dtype = compute_dtype(op, a.dtype(), b.dtype());
  into(out, is_comparison(op.op) ? DType::Bool : dtype, name,
       [&](const Tensor& target) { run(op, as_dtype(a, dtype), as_dtype(b, dtype), target); });
}

void ternary_out(TernaryArgs op, const Tensor& a, const Tensor& b, const Tensor& c, const Tensor& out) {
  const char* name = op_name(op.op);
  check_same_device({a, b, c, out}, name);
  const Shape shape = broadcast_shape(a.shape(), broadcast_shape(b.shape(), c.shape(), name), name);
  check_fits(broadcast_shape(shape, out.shape(), name), out, name);
  const DType dtype = ternary_dtype(op, a, b, c);
  into(out, dtype, name, [&](const Tensor& target) {
    run(op, as_dtype(a, dtype), as_dtype(b, dtype), as_dtype(c, dtype), target);
  });
}

Tensor unary_backward(UnaryArgs op, const Tensor& x, const Tensor& y, const Tensor& grad) {
  const char* name = op_name(op.op);
  check_same_device({x, y, grad}, name);
  const DType dtype = grad.dtype();
  MINIDL_CHECK(is_floating(dtype), DTypeError, name, " backward: expected a floating gradient, got ", dtype);
  // An input the formula does not read still needs a valid address: grad stands in.
  const Tensor xs = x.defined() ? as_dtype(x, dtype) : grad;
  const Tensor ys = y.defined() ? as_dtype(y, dtype) : grad;
  Tensor out = empty(grad.shape(), {.dtype = dtype, .device = grad.device()});
  check_fits(broadcast_shape(broadcast_shape(xs.shape(), ys.shape(), name), grad.shape(), name), out, name);
  if (out.numel() == 0) return out;
  const MapLayout layout = make_map_layout(out, {xs, ys, grad});
  if (out.device().is_cpu())
    cpu::unary_backward(op, layout, xs, ys, grad, out);
  else
    MINIDL_CUDA_DISPATCH(cuda::unary_backward(op, layout, xs, ys, grad, out));
  return out;
}

Tensor binary_backward(BinaryArgs op, const Tensor& a, const Tensor& b, const Tensor& grad, int input) {
  const char* name = op_name(op.op);
  check_same_device({a, b, grad}, name);
  MINIDL_CHECK(input == 0 || input == 1, ValueError, name, " backward: input must be 0 or 1, got ", input);
  const DType dtype = grad.dtype();
  MINIDL_CHECK(is_floating(dtype), DTypeError, name, " backward: expected a floating gradient, got ", dtype);
  const Tensor as = as_dtype(a, dtype);
  const Tensor bs = as_dtype(b, dtype);
  Tensor out = empty(grad.shape(), {.dtype = dtype, .device = grad.device()});
  check_fits(broadcast_shape(broadcast_shape(as.shape(), bs.shape(), name), grad.shape(), name), out, name);
  if (out.numel() == 0) return out;
  const MapLayout layout = make_map_layout(out, {as, bs, grad});
  if (out.device().is_cpu())
    cpu::binary_backward(op, layout, as, bs, grad, out, input);
  else
    MINIDL_CUDA_DISPATCH(cuda::binary_backward(op, layout, as, bs, grad, out, input));
  return out;
}

const char* op_name(UnaryOp op) {
  constexpr const char* kNames[] = {"neg",    "exp",  "log",  "sqrt",       "abs",     "sign", "pow", "clamp",
                                    "affine", "rdiv", "relu", "leaky_relu", "sigmoid", "tanh", "gelu"};
  return kNames[static_cast<int>(op)];
}

const char* op_name(BinaryOp op) {
  constexpr const char* kNames[] = {"add", "mul", "div", "maximum", "minimum", "lerp", "eq", "gt", "lt"};
  return kNames[static_cast<int>(op)];
}

const char* op_name(TernaryOp op) {
  constexpr const char* kNames[] = {"where", "addcmul", "addcdiv"};
  return kNames[static_cast<int>(op)];
}

}  // namespace minidl::kernels
