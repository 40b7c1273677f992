// softmax, log_softmax, cross_entropy, mse_loss and accuracy. The first three run
// the kernels of kernels/softmax.h and record their backward; cross-entropy sees
// its logits as (rows, classes) rows, moving the class dim last when there are
// extra dims (PyTorch's (N, C, d1, ...) form).
#include "core/ops/loss.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/reduction.h"
#include "kernels/softmax.h"

namespace minidl {
namespace {

Tensor softmax_op(const Tensor& x, int64_t dim, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  MINIDL_CHECK(is_floating(x.dtype()), DTypeError, op, ": expected a floating tensor, got dtype ", x.dtype());
  const int64_t d = normalize_dim(dim, std::max<int64_t>(x.dim(), 1), op);  // a scalar takes dim 0 or -1
  const Tensor out = empty(x.shape(), {.dtype = x.dtype(), .device = x.device()});
  kernels::softmax(x.detach().contiguous(), out, d, log);  // detach: no tape for the layout copy
  autograd::record(op, out, {x}, {out}, [y = out.detach(), d, log](const Tensor& grad) {
    const Tensor grad_x = empty(y.shape(), {.dtype = y.dtype(), .device = y.device()});
    kernels::softmax_backward(y, grad.contiguous(), grad_x, d, log);
    return std::vector<Tensor>{grad_x};
  });
  return out;
}

// The class dim of logits of shape (C), (N, C) or (N, C, d1, ...).
int64_t class_dim(const Tensor& logits) { return logits.dim() == 1 ? 0 : 1; }

// Checks logits against int64 targets (the logits' shape without the class dim).
void check_classification(const Tensor& logits, const Tensor& targets, const char* op) {
  MINIDL_CHECK(is_floating(logits.dtype()), DTypeError, op, ": expected floating logits, got dtype ",
               logits.dtype());
  MINIDL_CHECK(targets.dtype() == DType::Int64, DTypeError, op,
               ": expected int64 class indices as targets, got ", targets.dtype());
  MINIDL_CHECK(logits.device() == targets.device(), DeviceError, op, ": logits are on ", logits.device(),
               " but targets on ", targets.device());
  MINIDL_CHECK(logits.dim() >= 1, ShapeError, op, ": logits of shape ", shape_str(logits.shape()),
               " have no class dim");
  Shape expected = logits.shape();
  expected.erase(expected.begin() + class_dim(logits));
  MINIDL_CHECK(targets.shape() == expected, ShapeError, op, ": targets of shape ", shape_str(targets.shape()),
               " do not match logits of shape ", shape_str(logits.shape()), " (expected targets of shape ",
               shape_str(expected), ")");
}

// Logits as contiguous (rows, classes) with the class dim moved last, and targets as (rows).
struct Rows {
  Tensor logits;
  Tensor targets;
};

// permute() order that moves dim 1 of an n-d tensor last: (N, C, d1, ...) -> (N, d1, ..., C).
std::vector<int64_t> class_last_order(int64_t ndim) {
  std::vector<int64_t> order(static_cast<std::size_t>(ndim));
  std::iota(order.begin(), order.end(), 0);
  std::rotate(order.begin() + 1, order.begin() + 2, order.end());
  return order;
}

Rows to_rows(const Tensor& logits_in, const Tensor& targets) {
  const Tensor logits = logits_in.detach();  // the layout moves are not recorded: cross_entropy's node is
  const int64_t classes = logits.size(class_dim(logits));
  const Tensor moved = logits.dim() <= 2 ? logits : logits.permute(class_last_order(logits.dim()));
  return {moved.contiguous().view({-1, classes}), targets.contiguous().view({-1})};
}

// The inverse of to_rows for a gradient of the (rows, classes) logits.
Tensor from_rows(const Tensor& grad_rows, const Shape& logits_shape) {
  const auto ndim = static_cast<int64_t>(logits_shape.size());
  if (ndim <= 2) return grad_rows.view(logits_shape);
  const std::vector<int64_t> order = class_last_order(ndim);
  Shape moved_shape;
  for (const int64_t d : order) moved_shape.push_back(logits_shape[static_cast<std::size_t>(d)]);
  std::vector<int64_t> inverse(order.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    inverse[static_cast<std::size_t>(order[i])] = static_cast<int64_t>(i);
  return grad_rows.view(moved_shape).permute(inverse);
}

Tensor reduce(const Tensor& losses, Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return losses;
    case Reduction::Mean: return mean(losses);
    case Reduction::Sum: return sum(losses);
  }
  throw ValueError("unknown reduction");
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_op(x, dim, false); }

Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_op(x, dim, true); }

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, CrossEntropyOptions options) {
  check_classification(logits, targets, "cross_entropy");
  const Rows rows = to_rows(logits, targets);
  const int64_t n = rows.logits.size(0);
  const kernels::CrossEntropyConfig config{
      .label_smoothing = options.label_smoothing,
      .reduce = options.reduction != Reduction::None,
      .scale = options.reduction == Reduction::Mean ? 1.0 / static_cast<double>(n) : 1.0};
  const Tensor stats =
      empty({n, 2}, {.dtype = kernels::stats_dtype(logits.dtype()), .device = logits.device()});
  Tensor loss =
      empty(config.reduce ? Shape{} : Shape{n}, {.dtype = logits.dtype(), .device = logits.device()});
  kernels::cross_entropy(rows.logits, rows.targets, config, loss, stats);
  if (!config.reduce) loss = loss.view(targets.shape());
  autograd::record(
      "cross_entropy", loss, {logits}, {rows.logits, rows.targets},
      [z = rows.logits, t = rows.targets, stats, config, shape = logits.shape()](const Tensor& grad) {
        const Tensor grad_loss = grad.contiguous().view(config.reduce ? Shape{} : Shape{z.size(0)});
        const Tensor grad_z = empty(z.shape(), {.dtype = z.dtype(), .device = z.device()});
        kernels::cross_entropy_backward(z, t, stats, grad_loss, config, grad_z);
        return std::vector<Tensor>{from_rows(grad_z, shape)};
      });
  return loss;
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  MINIDL_CHECK(input.shape() == target.shape(), ShapeError, "mse_loss: input of shape ",
               shape_str(input.shape()), " and target of shape ", shape_str(target.shape()), " differ");
  MINIDL_CHECK(is_floating(input.dtype()) && is_floating(target.dtype()), DTypeError,
               "mse_loss: expected floating tensors, got ", input.dtype(), " and ", target.dtype());
  const Tensor diff = sub(input, target);
  return reduce(mul(diff, diff), reduction);
}

Tensor num_correct(const Tensor& logits, const Tensor& targets) {
  check_classification(logits, targets, "num_correct");
  autograd::NoGradGuard no_grad;
  if (targets.numel() == 0) return zeros({}, {.dtype = DType::Float64, .device = logits.device()});
  return sum(eq(argmax(logits, class_dim(logits)), targets).to(DType::Float64));
}

double accuracy(const Tensor& logits, const Tensor& targets) {
  check_classification(logits, targets, "accuracy");
  if (targets.numel() == 0) return std::numeric_limits<double>::quiet_NaN();
  return num_correct(logits, targets).item() / static_cast<double>(targets.numel());
}

}  // namespace minidl
