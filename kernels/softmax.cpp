// Dispatch of softmax, log_softmax and the fused cross-entropy to the CPU or CUDA
// backend, after checking shapes, dtypes, devices and contiguity.
#include "kernels/softmax.h"

#include "kernels/cpu/softmax.h"
#include "kernels/ops.h"
#if defined(MINIDL_WITH_CUDA)
#include "kernels/cuda/softmax.h"
#endif

namespace minidl::kernels {
namespace {

void check_same(const Tensor& a, const Tensor& b, const char* op, const char* a_name, const char* b_name) {
  MINIDL_CHECK(a.shape() == b.shape(), ShapeError, op, ": ", a_name, " has shape ", shape_str(a.shape()),
               " but ", b_name, " has shape ", shape_str(b.shape()));
  MINIDL_CHECK(a.dtype() == b.dtype(), DTypeError, op, ": ", a_name, " has dtype ", a.dtype(), " but ",
               b_name, " has dtype ", b.dtype());
  MINIDL_CHECK(a.device() == b.device(), DeviceError, op, ": ", a_name, " is on ", a.device(), " but ",
               b_name, " is on ", b.device());
}

void check_contiguous(const Tensor& t, const char* op, const char* name) {
  MINIDL_CHECK(t.is_contiguous(), ValueError, op, ": ", name, " must be contiguous (shape ",
               shape_str(t.shape()), ", strides ", shape_str(t.strides()), ")");
}

void check_floating(const Tensor& t, const char* op) {
  MINIDL_CHECK(is_floating(t.dtype()), DTypeError, op, ": expected floating logits, got dtype ", t.dtype());
}

// Checks shared by the cross-entropy forward and backward: logits (rows, classes) and targets (rows).
void check_cross_entropy(const Tensor& logits, const Tensor& targets, const Tensor& stats, const char* op) {
  check_floating(logits, op);
  MINIDL_CHECK(logits.dim() == 2, ShapeError, op, ": expected logits of shape (rows, classes), got ",
               shape_str(logits.shape()));
  MINIDL_CHECK(targets.dim() == 1 && targets.size(0) == logits.size(0), ShapeError, op, ": targets of shape ",
               shape_str(targets.shape()), " do not match logits of shape ", shape_str(logits.shape()));
  MINIDL_CHECK(targets.dtype() == DType::Int64, DTypeError, op, ": expected int64 targets, got ",
               targets.dtype());
  MINIDL_CHECK(stats.shape() == (Shape{logits.size(0), 2}) && stats.dtype() == stats_dtype(logits.dtype()),
               ShapeError, op, ": expected statistics of shape ", shape_str({logits.size(0), 2}),
               " and dtype ", stats_dtype(logits.dtype()), ", got ", shape_str(stats.shape()), " ",
               stats.dtype());
  for (const Tensor* t : {&targets, &stats})
    MINIDL_CHECK(t->device() == logits.device(), DeviceError, op, ": logits are on ", logits.device(),
                 " but targets or statistics are on ", t->device());
  check_contiguous(logits, op, "logits");
  check_contiguous(targets, op, "targets");
  check_contiguous(stats, op, "statistics");
}

void check_loss_shape(const Tensor& loss, const Tensor& logits, bool reduce, const char* op,
                      const char* name) {
  const bool ok = reduce ? loss.numel() == 1 : loss.shape() == Shape{logits.size(0)};
  MINIDL_CHECK(ok, ShapeError, op, ": ", name, " of shape ", shape_str(loss.shape()), " for logits of shape ",
               shape_str(logits.shape()), (reduce ? " (expected one element)" : " (expected one per row)"));
  MINIDL_CHECK(loss.dtype() == logits.dtype() && loss.device() == logits.device(), DTypeError, op, ": ", name,
               " is ", loss.dtype(), " on ", loss.device(), ", logits ", logits.dtype(), " on ",
               logits.device());
  check_contiguous(loss, op, name);
}

}  // namespace

RowLayout row_layout(const Shape& shape, int64_t dim) {
  const int64_t d = normalize_dim(dim, static_cast<int64_t>(shape.size()), "softmax");
  RowLayout layout;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    if (i < d)
      layout.outer *= shape[i];
    else if (i == d)
      layout.size = shape[i];
    else
      layout.inner *= shape[i];
  }
  return layout;
}

DType stats_dtype(DType logits_dtype) {
  return logits_dtype == DType::Float64 ? DType::Float64 : DType::Float32;
}

int softmax_block_threads(int64_t row_size) {
  if (row_size <= 256) return 32;
  if (row_size <= 4096) return 128;
  return 512;
}

void softmax(const Tensor& x, const Tensor& out, int64_t dim, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  check_floating(x, op);
  check_same(x, out, op, "input", "output");
  check_contiguous(x, op, "input");
  check_contiguous(out, op, "output");
  if (x.numel() == 0) return;
  const RowLayout layout = x.dim() == 0 ? RowLayout{} : row_layout(x.shape(), dim);
  if (x.device().is_cpu())
    cpu::softmax(x, out, layout, log);
  else
    MINIDL_CUDA_DISPATCH(cuda::softmax(x, out, layout, log));
}

void softmax_backward(const Tensor& y, const Tensor& grad_y, const Tensor& grad_x, int64_t dim, bool log) {
  const char* op = log ? "log_softmax backward" : "softmax backward";
  check_floating(y, op);
  check_same(y, grad_y, op, "output", "output gradient");
  check_same(y, grad_x, op, "output", "input gradient");
  for (const Tensor* t : {&y, &grad_y, &grad_x}) check_contiguous(*t, op, "every tensor");
  if (y.numel() == 0) return;
  const RowLayout layout = y.dim() == 0 ? RowLayout{} : row_layout(y.shape(), dim);
  if (y.device().is_cpu())
    cpu::softmax_backward(y, grad_y, grad_x, layout, log);
  else
    MINIDL_CUDA_DISPATCH(cuda::softmax_backward(y, grad_y, grad_x, layout, log));
}

void cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyConfig& options,
                   const Tensor& loss, const Tensor& stats) {
  const char* op = "cross_entropy";
  check_cross_entropy(logits, targets, stats, op);
  check_loss_shape(loss, logits, options.reduce, op, "loss");
  MINIDL_CHECK(options.label_smoothing >= 0 && options.label_smoothing <= 1, ValueError, op,
               ": label_smoothing must be in [0, 1], got ", options.label_smoothing);
  MINIDL_CHECK(logits.size(1) > 0 || logits.size(0) == 0, ShapeError, op, ": logits of shape ",
               shape_str(logits.shape()), " have no classes");
  if (logits.size(0) == 0) {
    // As PyTorch: the sum of no rows is 0 and their mean NaN (scale 1/0 = inf, and 0 * inf = NaN).
    if (options.reduce) fill(loss, 0.0 * options.scale);
    return;
  }
  if (logits.device().is_cpu())
    cpu::cross_entropy(logits, targets, options, loss, stats);
  else
    MINIDL_CUDA_DISPATCH(cuda::cross_entropy(logits, targets, options, loss, stats));
}

void cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& stats,
                            const Tensor& grad_loss, const CrossEntropyConfig& options,
                            const Tensor& grad_logits) {
  const char* op = "cross_entropy backward";
  check_cross_entropy(logits, targets, stats, op);
  check_loss_shape(grad_loss, logits, options.reduce, op, "loss gradient");
  check_same(logits, grad_logits, op, "logits", "logits gradient");
  check_contiguous(grad_logits, op, "logits gradient");
  if (logits.numel() == 0) return;
  if (logits.device().is_cpu())
    cpu::cross_entropy_backward(logits, targets, stats, grad_loss, options, grad_logits);
  else
    MINIDL_CUDA_DISPATCH(
        cuda::cross_entropy_backward(logits, targets, stats, grad_loss, options, grad_logits));
}

}  // namespace minidl::kernels
