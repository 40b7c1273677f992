// Tensor: a view (shape, strides, offset, dtype) onto a shared Storage on one
// device. Copying a Tensor shares it, as in PyTorch; views never copy data;
// clone()/contiguous()/to() copy only when asked or needed.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/storage.h"

namespace minidl {

class Stream;

using Shape = std::vector<int64_t>;

namespace autograd {
struct AutogradMeta;
}

namespace detail {
struct TensorImpl {
  Storage storage;
  Shape shape;
  Shape strides;  // in elements
  int64_t offset = 0;  // in elements
  DType dtype = DType::Float32;
  std::shared_ptr<autograd::AutogradMeta> autograd;  // null unless autograd touches it
};
}  // namespace detail

/// Options of the factory functions: zeros({2, 3}, {.dtype = DType::Float64, .device = Device::cuda()}).
struct TensorOptions {
  DType dtype = DType::Float32;
  Device device = Device::cpu();
};

class Tensor {
 public:
  Tensor() = default;
  /// A tensor over `storage` with the given layout (checked against the storage size).
  Tensor(Storage storage, Shape shape, Shape strides, int64_t offset, DType dtype);

  // ---- metadata ----
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  const Shape& strides() const { return impl().strides; }
  /// Size of `dim` (negative counts from the end).
  int64_t size(int64_t dim) const;
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return static_cast<int64_t>(impl().shape.size()); }
  int64_t numel() const;
  int64_t storage_offset() const { return impl().offset; }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().storage.device(); }
  const Storage& storage() const { return impl().storage; }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * element_size(dtype()); }
  bool is_contiguous() const;
  /// Address of the first element.
  void* data_ptr() const;
  /// Typed address of the first element; throws DTypeError if T is not the dtype.
  template <typename T> T* data() const {
    MINIDL_CHECK(dtype_of<T> == dtype(), DTypeError, "data<", dtype_name(dtype_of<T>),
                 ">() called on a tensor of dtype ", dtype());
    return static_cast<T*>(data_ptr());
  }
  /// Marks this CUDA tensor's memory as used by `stream` too (PyTorch's record_stream): when the
  /// storage is freed, the caching allocator reuses it only after the work queued on `stream`
  /// by then is done. For a tensor made on one stream and used on another. DeviceError for a
  /// CPU tensor or a stream of another device.
  void record_stream(const Stream& stream) const;
  /// True when both are handles to the same tensor.
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

  // ---- views (share storage) ----
  /// Same data, new shape (one entry may be -1); throws ShapeError if the strides cannot express it.
  Tensor view(Shape shape) const;
  /// view() when possible, else a contiguous copy.
  Tensor reshape(Shape shape) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  /// Elements start, start+step, ... < end along dim (bounds clamped as in Python).
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  /// Removes dim by taking one index along it.
  Tensor select(int64_t dim, int64_t index) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  /// transpose(0, 1) of a 2-d tensor.
  Tensor t() const;
  Tensor permute(const std::vector<int64_t>& dims) const;
  /// Broadcasts size-1 dims to `shape` with stride 0 (-1 keeps a size).
  Tensor expand(const Shape& shape) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;

  // ---- copies ----
  /// This tensor if contiguous, else a contiguous copy.
  Tensor contiguous() const;
  Tensor clone() const;
  /// On `device` (this tensor if already there).
  Tensor to(const Device& device) const;
  /// As `dtype` (this tensor if already so).
  Tensor to(DType dtype) const;
  /// Copies src into this tensor in place: broadcasting, casting, across devices.
  /// (In-place ops are const, as in PyTorch: they change the data, not the handle.)
  const Tensor& copy_(const Tensor& src) const;
  const Tensor& fill_(double value) const;
  const Tensor& zero_() const { return fill_(0.0); }

  // ---- values ----
  /// The single element as double; throws ValueError unless numel() == 1.
  double item() const;
  template <typename T> T item() const { return static_cast<T>(item()); }
  /// All elements in row-major order, converted to T.
  template <typename T> std::vector<T> to_vector() const;
  /// PyTorch-like text: tensor([[1., 2.], [3., 4.]], dtype=float32, device=cpu).
  std::string str() const;

  // ---- autograd (core/autograd.h) ----
  bool requires_grad() const;
  /// Marks a leaf as needing a gradient (or freezes it with false); returns *this.
  const Tensor& requires_grad_(bool requires_grad = true) const;
  /// The accumulated gradient of a leaf (undefined until a backward reaches it).
  Tensor grad() const;
  /// Replaces the gradient (e.g. with an undefined Tensor to drop it).
  void set_grad(const Tensor& grad) const;
  /// True for tensors not produced by a recorded op.
  bool is_leaf() const;
  /// The in-place write count of this tensor's storage (PyTorch's _version; core/autograd.h).
  uint32_t version() const { return storage().version(); }
  /// True when its memory was made under autograd::InferenceMode.
  bool is_inference() const { return storage().is_inference(); }
  /// The name of the op that produced this tensor ("" for leaves).
  std::string grad_fn_name() const;
  /// The same data, cut off from the graph (a new leaf that does not require grad).
  Tensor detach() const;
  /// Backpropagates from this tensor; `grad` defaults to 1 for a one-element tensor.
  void backward(const Tensor& grad = {}, bool retain_graph = false) const;

  /// Internal: the shared implementation (autograd attaches its metadata here).
  detail::TensorImpl& impl() const {
    MINIDL_CHECK(impl_ != nullptr, ValueError, "operation on an undefined tensor");
    return *impl_;
  }
  const std::shared_ptr<detail::TensorImpl>& impl_ptr() const { return impl_; }

 private:
  std::shared_ptr<detail::TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& out, const Tensor& tensor);
/// "[2, 3, 4]"
std::string shape_str(const Shape& shape);
/// Row-major strides of a contiguous tensor of `shape`.
Shape contiguous_strides(const Shape& shape);
int64_t shape_numel(const Shape& shape);
/// Resolves a possibly negative dim against `ndim`; throws ValueError naming the op.
int64_t normalize_dim(int64_t dim, int64_t ndim, const char* op = "dim");

// ---- factories ----
Tensor empty(const Shape& shape, TensorOptions options = {});
Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, double value, TensorOptions options = {});
Tensor empty_like(const Tensor& other);
Tensor zeros_like(const Tensor& other);
Tensor ones_like(const Tensor& other);
/// 0, 1, ..., end-1.
Tensor arange(double end, TensorOptions options = {});
/// start, start+step, ... < end (or > end for a negative step).
Tensor arange(double start, double end, double step, TensorOptions options = {});
/// A tensor holding `values` (shape defaults to 1-d); dtype from T.
template <typename T>
Tensor from_vector(const std::vector<T>& values, Shape shape = {}, const Device& device = Device::cpu());

// Random factories (core/random.h) draw from a Generator: rand, randn, randint, bernoulli.

}  // namespace minidl
