#include "core/tensor.h"

#include <sstream>

#include "core/autograd.h"
#include "core/memory/allocator.h"
#include "core/stream.h"
#include "kernels/dispatch.h"
#include "kernels/ops.h"

namespace minidl {

std::string shape_str(const Shape& shape) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t stride = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= std::max<int64_t>(shape[i], 1);
  }
  return strides;
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

int64_t normalize_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t lo = ndim == 0 ? -1 : -ndim;
  const int64_t hi = ndim == 0 ? 0 : ndim - 1;
  MINIDL_CHECK(dim >= lo && dim <= hi, ValueError, op, ": dim ", dim, " out of range for a tensor with ",
               ndim, " dims (expected [", lo, ", ", hi, "])");
  return dim < 0 ? dim + std::max<int64_t>(ndim, 1) : dim;
}

Tensor::Tensor(Storage storage, Shape shape, Shape strides, int64_t offset, DType dtype) {
  MINIDL_CHECK(shape.size() == strides.size(), ShapeError, "shape ", shape_str(shape), " and strides ",
               shape_str(strides), " differ in length");
  int64_t last = offset;  // largest element index reached
  bool empty = false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    MINIDL_CHECK(shape[i] >= 0, ShapeError, "negative size in shape ", shape_str(shape));
    if (shape[i] == 0) empty = true;
    else last += (shape[i] - 1) * strides[i];
  }
  const auto needed = empty ? 0 : static_cast<std::size_t>(last + 1) * element_size(dtype);
  MINIDL_CHECK(offset >= 0 && needed <= storage.nbytes(), ShapeError, "a tensor of shape ", shape_str(shape),
               ", strides ", shape_str(strides), " and offset ", offset, " needs ", needed,
               " bytes but its storage holds ", storage.nbytes());
  impl_ = std::make_shared<detail::TensorImpl>();
  impl_->storage = std::move(storage);
  impl_->shape = std::move(shape);
  impl_->strides = std::move(strides);
  impl_->offset = offset;
  impl_->dtype = dtype;
}

int64_t Tensor::size(int64_t dim) const { return shape()[normalize_dim(dim, this->dim(), "size")]; }
int64_t Tensor::stride(int64_t dim) const { return strides()[normalize_dim(dim, this->dim(), "stride")]; }
int64_t Tensor::numel() const { return shape_numel(shape()); }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int64_t i = dim() - 1; i >= 0; --i) {
    const int64_t size = shape()[i];
    if (size == 1) continue;
    if (size == 0) return true;
    if (strides()[i] != expected) return false;
    expected *= size;
  }
  return true;
}

void* Tensor::data_ptr() const {
  return static_cast<char*>(storage().data()) + storage_offset() * static_cast<int64_t>(element_size(dtype()));
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

// clone() and to() record their backward (the gradient, moved back to the input's
// device or dtype); a cast to a non-floating dtype ends the graph, as in PyTorch.
Tensor Tensor::clone() const {
  Tensor out = empty(shape(), {.dtype = dtype(), .device = device()});
  kernels::copy(*this, out);
  autograd::record("clone", out, {*this}, [](const Tensor& grad) { return std::vector<Tensor>{grad}; });
  return out;
}

Tensor Tensor::to(const Device& device) const {
  if (device == this->device()) return *this;
  Tensor out = empty(shape(), {.dtype = dtype(), .device = device});
  kernels::copy(*this, out);
  autograd::record("to", out, {*this}, [from = this->device()](const Tensor& grad) {
    return std::vector<Tensor>{grad.to(from)};
  });
  return out;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == this->dtype()) return *this;
  Tensor out = empty(shape(), {.dtype = dtype, .device = device()});
  kernels::copy(*this, out);
  if (is_floating(dtype))
    autograd::record("to", out, {*this}, [from = this->dtype()](const Tensor& grad) {
      return std::vector<Tensor>{grad.to(from)};
    });
  return out;
}

const Tensor& Tensor::copy_(const Tensor& src) const {
  autograd::check_inplace(*this, "copy_");
  kernels::copy(src.shape() == shape() ? src : src.expand(shape()), *this);
  storage().bump_version();
  return *this;
}

const Tensor& Tensor::fill_(double value) const {
  autograd::check_inplace(*this, "fill_");
  kernels::fill(*this, value);
  storage().bump_version();
  return *this;
}

double Tensor::item() const {
  MINIDL_CHECK(numel() == 1, ValueError, "item() needs a tensor with one element, got shape ",
               shape_str(shape()));
  const Tensor host = to(Device::cpu());
  return kernels::dispatch_all(dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return static_cast<double>(kernels::acc_t<T>(*static_cast<const T*>(host.data_ptr())));
  });
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  const Tensor host = to(Device::cpu()).to(dtype_of<T>).contiguous();
  const T* data = host.data<T>();
  return std::vector<T>(data, data + host.numel());
}

std::ostream& operator<<(std::ostream& out, const Tensor& tensor) { return out << tensor.str(); }

#define MINIDL_INSTANTIATE(T) template std::vector<T> Tensor::to_vector<T>() const;
MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)
MINIDL_INSTANTIATE(Half)
MINIDL_INSTANTIATE(BFloat16)
MINIDL_INSTANTIATE(int32_t)
MINIDL_INSTANTIATE(int64_t)
MINIDL_INSTANTIATE(uint8_t)
MINIDL_INSTANTIATE(bool)
#undef MINIDL_INSTANTIATE

void Tensor::record_stream(const Stream& stream) const {
  MINIDL_CHECK(defined() && device().is_cuda() && stream.device() == device(), DeviceError,
               "record_stream: a tensor on ", defined() ? device().str() : std::string("(undefined)"),
               " cannot be recorded on a stream of ", stream.device(), " (both must be the same CUDA device)");
  record_cuda_stream(device().index, storage().data(), stream.handle());
}

}  // namespace minidl
