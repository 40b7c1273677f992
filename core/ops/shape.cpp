// cat, split, index_select and pad: the forward through kernels/ops.h copies or
// kernels/shape.h, the backward recorded on the autograd tape. cat's backward
// hands out narrow views of the gradient; split's pieces are views of x, each
// with a node that places its gradient in a zero tensor of x's shape.
#include "core/ops/shape.h"

#include <algorithm>

#include "core/autograd.h"
#include "kernels/ops.h"
#include "kernels/shape.h"

namespace minidl {
namespace {

TensorOptions options_of(const Tensor& t) { return {.dtype = t.dtype(), .device = t.device()}; }

void check_cat_input(const Tensor& first, const Tensor& t, std::size_t k, int64_t d) {
  MINIDL_CHECK(t.dtype() == first.dtype(), DTypeError, "cat: tensor ", k, " has dtype ", t.dtype(),
               " but tensor 0 has dtype ", first.dtype());
  MINIDL_CHECK(t.device() == first.device(), DeviceError, "cat: tensor ", k, " is on ", t.device(),
               " but tensor 0 is on ", first.device());
  bool match = t.dim() == first.dim();
  for (int64_t i = 0; match && i < t.dim(); ++i) match = i == d || t.size(i) == first.size(i);
  MINIDL_CHECK(match, ShapeError, "cat: tensor ", k, " has shape ", shape_str(t.shape()),
               " but tensor 0 has shape ", shape_str(first.shape()), "; they must match except in dim ", d);
}

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  MINIDL_CHECK(!tensors.empty(), ValueError, "cat: expected at least one tensor");
  const Tensor& first = tensors.front();
  MINIDL_CHECK(first.dim() > 0, ShapeError, "cat: zero-dimensional tensors cannot be joined");
  const int64_t d = normalize_dim(dim, first.dim(), "cat");
  Shape shape = first.shape();
  shape[static_cast<std::size_t>(d)] = 0;
  for (std::size_t k = 0; k < tensors.size(); ++k) {
    check_cat_input(first, tensors[k], k, d);
    shape[static_cast<std::size_t>(d)] += tensors[k].size(d);
  }
  const Tensor out = empty(shape, options_of(first));
  std::vector<int64_t> starts;
  int64_t start = 0;
  for (const Tensor& t : tensors) {
    kernels::copy(t, out.narrow(d, start, t.size(d)));
    starts.push_back(start);
    start += t.size(d);
  }
  std::vector<int64_t> sizes;
  for (const Tensor& t : tensors) sizes.push_back(t.size(d));
  autograd::record("cat", out, tensors, [d, starts, sizes](const Tensor& grad) {
    std::vector<Tensor> grads;
    for (std::size_t k = 0; k < starts.size(); ++k) grads.push_back(grad.narrow(d, starts[k], sizes[k]));
    return grads;
  });
  return out;
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
  const int64_t d = normalize_dim(dim, x.dim(), "split");
  const int64_t size = x.size(d);
  MINIDL_CHECK(split_size > 0 || (split_size == 0 && size == 0), ValueError,
               "split: split_size must be positive, got ", split_size, " for dim ", d, " of shape ",
               shape_str(x.shape()));
  std::vector<Tensor> pieces;
  if (size == 0) pieces.push_back(x.narrow(d, 0, 0));
  for (int64_t start = 0; start < size; start += split_size) {
    const int64_t length = std::min(split_size, size - start);
    Tensor piece = x.detach().narrow(d, start, length);  // a view of x; its node is recorded here
    autograd::record("split", piece, {x}, [d, start, length, shape = x.shape()](const Tensor& grad) {
      const Tensor grad_x = zeros(shape, options_of(grad));
      kernels::copy(grad, grad_x.narrow(d, start, length));
      return std::vector<Tensor>{grad_x};
    });
    pieces.push_back(piece);
  }
  return pieces;
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  const int64_t d = normalize_dim(dim, std::max<int64_t>(x.dim(), 1), "index_select");
  Shape shape = x.shape();
  if (!shape.empty()) shape[static_cast<std::size_t>(d)] = index.numel();
  const Tensor out = empty(shape, options_of(x));
  const Tensor flat_index = index.contiguous();
  kernels::index_select(x.detach().contiguous(), d, flat_index, out);
  autograd::record("index_select", out, {x}, [d, flat_index, shape = x.shape()](const Tensor& grad) {
    const Tensor grad_x = zeros(shape, options_of(grad));
    kernels::index_add(grad_x, d, flat_index, grad.contiguous());
    return std::vector<Tensor>{grad_x};
  });
  return out;
}

Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode, double value) {
  const auto ndim = static_cast<std::size_t>(x.dim());
  MINIDL_CHECK(pads.size() % 2 == 0 && pads.size() <= 2 * ndim, ValueError, "pad: ", pads.size(),
               " padding sizes for shape ", shape_str(x.shape()),
               " (expected an even count, at most 2 per dim)");
  Shape before(ndim, 0);
  Shape shape = x.shape();
  for (std::size_t k = 0; k < pads.size() / 2; ++k) {  // pads run from the last dim backwards
    const std::size_t d = ndim - 1 - k;
    before[d] = pads[2 * k];
    shape[d] += pads[2 * k] + pads[2 * k + 1];
    MINIDL_CHECK(shape[d] >= 0, ShapeError, "pad: padding (", pads[2 * k], ", ", pads[2 * k + 1], ") of dim ",
                 d, " of shape ", shape_str(x.shape()), " leaves a negative size");
  }
  const bool reflect = mode == PadMode::Reflect;
  const Tensor out = empty(shape, options_of(x));
  kernels::pad(x, before, reflect, value, out);
  autograd::record("pad", out, {x}, [before, reflect, shape = x.shape()](const Tensor& grad) {
    const Tensor grad_x = empty(shape, options_of(grad));
    kernels::pad_backward(grad.contiguous(), before, reflect, grad_x);
    return std::vector<Tensor>{grad_x};
  });
  return out;
}

}  // namespace minidl
