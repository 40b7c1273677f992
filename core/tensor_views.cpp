// Views: new shape/strides/offset over the same storage, no data copied. Each one
// records its backward on the autograd tape when its input requires grad: the
// gradient is reshaped, transposed or permuted back, scattered into zeros (slice,
// select) or summed over the broadcast dims (expand).
#include <algorithm>
#include <numeric>

#include "core/autograd.h"
#include "core/ops/reduction.h"
#include "core/tensor.h"
#include "kernels/ops.h"

namespace minidl {
namespace {

Tensor make_view(const Tensor& base, Shape shape, Shape strides, int64_t offset) {
  Tensor view(base.storage(), std::move(shape), std::move(strides), offset, base.dtype());
  return view;
}

// True when a view of t must be recorded (checked before building the backward closure).
bool tracked(const Tensor& t) { return autograd::is_grad_enabled() && t.requires_grad(); }

// Records a view whose gradient is the output's gradient reshaped to the input's shape.
void record_reshape(const char* name, const Tensor& out, const Tensor& in) {
  if (!tracked(in)) return;
  autograd::record(name, out, {in}, [shape = in.shape()](const Tensor& grad) {
    return std::vector<Tensor>{grad.reshape(shape)};
  });
}

// Records a view that picks part of its input: the gradient is zeros of the input's
// shape with `region(zeros)` (the same part) set to the output's gradient.
template <typename Region>
void record_part(const char* name, const Tensor& out, const Tensor& in, Region region) {
  if (!tracked(in)) return;
  autograd::record(name, out, {in}, [shape = in.shape(), region](const Tensor& grad) {
    const Tensor full = zeros(shape, {.dtype = grad.dtype(), .device = grad.device()});
    kernels::copy(grad, region(full));
    return std::vector<Tensor>{full};
  });
}

// Resolves one -1 entry so the element count matches `numel`.
Shape infer_shape(Shape shape, int64_t numel, const Shape& from) {
  int64_t known = 1;
  int infer = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      MINIDL_CHECK(infer < 0, ShapeError, "only one dimension can be -1 in shape ", shape_str(shape));
      infer = static_cast<int>(i);
    } else {
      MINIDL_CHECK(shape[i] >= 0, ShapeError, "invalid size in shape ", shape_str(shape));
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    MINIDL_CHECK(known != 0 && numel % known == 0, ShapeError, "shape ", shape_str(shape),
                 " is invalid for a tensor of shape ", shape_str(from), " (", numel, " elements)");
    shape[infer] = numel / known;
  }
  MINIDL_CHECK(shape_numel(shape) == numel, ShapeError, "shape ", shape_str(shape),
               " is invalid for a tensor of shape ", shape_str(from), " (", numel, " elements)");
  return shape;
}

// Strides for viewing (old shape, old strides) as new_shape without a copy, as in
// PyTorch's computeStride: each run of old dims that is contiguous in memory can be
// re-split freely. Returns an empty optional-like flag when impossible.
bool view_strides(const Shape& old_shape, const Shape& old_strides, const Shape& new_shape, Shape& out) {
  out.assign(new_shape.size(), 0);
  if (shape_numel(old_shape) == 0 || old_shape.empty()) {
    out = contiguous_strides(new_shape);
    return true;
  }
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base_stride = old_strides.empty() ? 1 : old_strides.back();
  int64_t tensor_numel = 1;
  int64_t view_numel = 1;
  for (int64_t tensor_d = static_cast<int64_t>(old_shape.size()) - 1; tensor_d >= 0; --tensor_d) {
    tensor_numel *= old_shape[tensor_d];
    if (tensor_d == 0 || (old_shape[tensor_d - 1] != 1 &&
                          old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (tensor_d > 0) {
        chunk_base_stride = old_strides[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

}  // namespace

Tensor Tensor::view(Shape shape) const {
  shape = infer_shape(std::move(shape), numel(), this->shape());
  Shape strides;
  MINIDL_CHECK(view_strides(this->shape(), this->strides(), shape, strides), ShapeError, "view: shape ",
               shape_str(shape), " is incompatible with the layout of a tensor of shape ",
               shape_str(this->shape()), " and strides ", shape_str(this->strides()),
               "; use reshape() to copy");
  Tensor out = make_view(*this, std::move(shape), std::move(strides), storage_offset());
  record_reshape("view", out, *this);
  return out;
}

Tensor Tensor::reshape(Shape shape) const {
  shape = infer_shape(std::move(shape), numel(), this->shape());
  Shape strides;
  Tensor out;
  if (view_strides(this->shape(), this->strides(), shape, strides)) {
    out = make_view(*this, std::move(shape), std::move(strides), storage_offset());
  } else {
    const Tensor copy = empty(this->shape(), {.dtype = dtype(), .device = device()});
    kernels::copy(*this, copy);
    out = make_view(copy, shape, contiguous_strides(shape), 0);
  }
  record_reshape("reshape", out, *this);
  return out;
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  start_dim = normalize_dim(start_dim, dim(), "flatten");
  end_dim = normalize_dim(end_dim, dim(), "flatten");
  MINIDL_CHECK(start_dim <= end_dim, ValueError, "flatten: start_dim ", start_dim, " > end_dim ", end_dim);
  Shape shape(this->shape().begin(), this->shape().begin() + start_dim);
  int64_t merged = 1;
  for (int64_t d = start_dim; d <= end_dim; ++d) merged *= this->shape()[d];
  shape.push_back(merged);
  shape.insert(shape.end(), this->shape().begin() + end_dim + 1, this->shape().end());
  return reshape(std::move(shape));
}

Tensor Tensor::slice(int64_t dim, int64_t start, int64_t end, int64_t step) const {
  dim = normalize_dim(dim, this->dim(), "slice");
  MINIDL_CHECK(step > 0, ValueError, "slice: step must be positive, got ", step);
  const int64_t size = shape()[dim];
  auto clamp = [size](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + size : i, 0, size); };
  start = clamp(start);
  end = std::max(clamp(end), start);
  Shape new_shape = shape();
  Shape new_strides = strides();
  new_shape[dim] = (end - start + step - 1) / step;
  new_strides[dim] *= step;
  Tensor out = make_view(*this, std::move(new_shape), std::move(new_strides),
                         storage_offset() + start * strides()[dim]);
  record_part("slice", out, *this,
              [dim, start, end, step](const Tensor& full) { return full.slice(dim, start, end, step); });
  return out;
}

Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const {
  dim = normalize_dim(dim, this->dim(), "narrow");
  const int64_t size = shape()[dim];
  if (start < 0) start += size;
  MINIDL_CHECK(start >= 0 && length >= 0 && start + length <= size, ShapeError, "narrow: [", start, ", ",
               start + length, ") is out of range for dim ", dim, " of shape ", shape_str(shape()));
  return slice(dim, start, start + length);
}

Tensor Tensor::select(int64_t dim, int64_t index) const {
  dim = normalize_dim(dim, this->dim(), "select");
  const int64_t size = shape()[dim];
  MINIDL_CHECK(index >= -size && index < size, ShapeError, "select: index ", index,
               " is out of range for dim ", dim, " of shape ", shape_str(shape()));
  if (index < 0) index += size;
  Shape new_shape = shape();
  Shape new_strides = strides();
  new_shape.erase(new_shape.begin() + dim);
  new_strides.erase(new_strides.begin() + dim);
  Tensor out = make_view(*this, std::move(new_shape), std::move(new_strides),
                         storage_offset() + index * strides()[dim]);
  record_part("select", out, *this, [dim, index](const Tensor& full) { return full.select(dim, index); });
  return out;
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  dim0 = normalize_dim(dim0, dim(), "transpose");
  dim1 = normalize_dim(dim1, dim(), "transpose");
  Shape new_shape = shape();
  Shape new_strides = strides();
  std::swap(new_shape[dim0], new_shape[dim1]);
  std::swap(new_strides[dim0], new_strides[dim1]);
  Tensor out = make_view(*this, std::move(new_shape), std::move(new_strides), storage_offset());
  if (tracked(*this))
    autograd::record("transpose", out, {*this}, [dim0, dim1](const Tensor& grad) {
      return std::vector<Tensor>{grad.transpose(dim0, dim1)};
    });
  return out;
}

Tensor Tensor::t() const {
  MINIDL_CHECK(dim() <= 2, ShapeError, "t() expects a tensor with <= 2 dims, got shape ", shape_str(shape()));
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
  MINIDL_CHECK(static_cast<int64_t>(dims.size()) == dim(), ShapeError, "permute: ", dims.size(),
               " dims given for a tensor of shape ", shape_str(shape()));
  Shape new_shape(dims.size());
  Shape new_strides(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = normalize_dim(dims[i], dim(), "permute");
    MINIDL_CHECK(!seen[d], ValueError, "permute: dim ", d, " repeated in ", shape_str(dims));
    seen[d] = true;
    new_shape[i] = shape()[d];
    new_strides[i] = strides()[d];
  }
  Tensor out = make_view(*this, std::move(new_shape), std::move(new_strides), storage_offset());
  if (tracked(*this)) {
    std::vector<int64_t> inverse(dims.size());
    for (std::size_t i = 0; i < dims.size(); ++i)
      inverse[normalize_dim(dims[i], dim(), "permute")] = static_cast<int64_t>(i);
    autograd::record("permute", out, {*this}, [inverse](const Tensor& grad) {
      return std::vector<Tensor>{grad.permute(inverse)};
    });
  }
  return out;
}

Tensor Tensor::expand(const Shape& target) const {
  MINIDL_CHECK(static_cast<int64_t>(target.size()) >= dim(), ShapeError, "expand: cannot expand shape ",
               shape_str(shape()), " to ", shape_str(target));
  const std::size_t lead = target.size() - shape().size();
  Shape new_shape(target.size());
  Shape new_strides(target.size());
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (i < lead) {
      MINIDL_CHECK(target[i] >= 0, ShapeError, "expand: cannot expand shape ", shape_str(shape()), " to ",
                   shape_str(target));
      new_shape[i] = target[i];
      new_strides[i] = 0;
      continue;
    }
    const int64_t size = shape()[i - lead];
    const int64_t want = target[i] == -1 ? size : target[i];
    MINIDL_CHECK(size == want || size == 1, ShapeError, "expand: cannot expand shape ", shape_str(shape()),
                 " to ", shape_str(target));
    new_shape[i] = want;
    new_strides[i] = size == want ? strides()[i - lead] : 0;
  }
  Tensor out = make_view(*this, std::move(new_shape), std::move(new_strides), storage_offset());
  if (tracked(*this))
    autograd::record("expand", out, {*this}, [shape = shape()](const Tensor& grad) {
      return std::vector<Tensor>{sum_to(grad, shape)};
    });
  return out;
}

Tensor Tensor::squeeze() const {
  Shape new_shape;
  Shape new_strides;
  for (int64_t d = 0; d < dim(); ++d) {
    if (shape()[d] == 1) continue;
    new_shape.push_back(shape()[d]);
    new_strides.push_back(strides()[d]);
  }
  Tensor out = make_view(*this, std::move(new_shape), std::move(new_strides), storage_offset());
  record_reshape("squeeze", out, *this);
  return out;
}

Tensor Tensor::squeeze(int64_t dim) const {
  dim = normalize_dim(dim, this->dim(), "squeeze");
  if (this->dim() == 0 || shape()[dim] != 1) return *this;
  Shape new_shape = shape();
  Shape new_strides = strides();
  new_shape.erase(new_shape.begin() + dim);
  new_strides.erase(new_strides.begin() + dim);
  Tensor out = make_view(*this, std::move(new_shape), std::move(new_strides), storage_offset());
  record_reshape("squeeze", out, *this);
  return out;
}

Tensor Tensor::unsqueeze(int64_t dim) const {
  dim = normalize_dim(dim, this->dim() + 1, "unsqueeze");
  Shape new_shape = shape();
  Shape new_strides = strides();
  const int64_t stride = dim < this->dim() ? strides()[dim] * shape()[dim] : 1;
  new_shape.insert(new_shape.begin() + dim, 1);
  new_strides.insert(new_strides.begin() + dim, stride);
  Tensor out = make_view(*this, std::move(new_shape), std::move(new_strides), storage_offset());
  record_reshape("unsqueeze", out, *this);
  return out;
}

}  // namespace minidl
