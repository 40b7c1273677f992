// cuDNN helpers for the CUDA backend: one handle per device (set to the current
// stream on each request), dtype mapping, alpha/beta scalars, and move-only RAII
// descriptors whose destructors never throw. Host-side, CUDA backend only.
#pragma once

#include <cudnn.h>

#include <utility>

#include "core/tensor.h"

namespace minidl::kernels::cuda {

/// The device's cuDNN handle, bound to the calling thread's current stream of that device.
cudnnHandle_t cudnn_handle(const Device& device);

cudnnDataType_t cudnn_dtype(DType dtype);
/// What cuDNN accumulates in for data of `dtype`: double for float64, float otherwise.
cudnnDataType_t cudnn_compute_dtype(DType dtype);

/// alpha = 1 and beta = 0 (or 1) in the scalar type cuDNN wants: double for float64 data, else float.
class Scalars {
 public:
  explicit Scalars(DType dtype) : is_double_(dtype == DType::Float64) {}
  const void* one() const { return is_double_ ? static_cast<const void*>(&d1_) : &f1_; }
  const void* zero() const { return is_double_ ? static_cast<const void*>(&d0_) : &f0_; }

 private:
  bool is_double_;
  float f1_ = 1.0f, f0_ = 0.0f;
  double d1_ = 1.0, d0_ = 0.0;
};

/// A cuDNN descriptor owned for a scope: created by the constructor, destroyed by the destructor.
template <typename Handle, cudnnStatus_t (*Destroy)(Handle)> class Descriptor {
 public:
  Descriptor() = default;
  explicit Descriptor(Handle handle) : handle_(handle) {}
  ~Descriptor() {
    if (handle_) Destroy(handle_);  // the status is ignored: destructors never throw
  }
  Descriptor(Descriptor&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Descriptor& operator=(Descriptor&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  Handle get() const { return handle_; }

 private:
  Handle handle_ = nullptr;
};

using TensorDescriptor = Descriptor<cudnnTensorDescriptor_t, cudnnDestroyTensorDescriptor>;
using FilterDescriptor = Descriptor<cudnnFilterDescriptor_t, cudnnDestroyFilterDescriptor>;
using ConvolutionDescriptor = Descriptor<cudnnConvolutionDescriptor_t, cudnnDestroyConvolutionDescriptor>;
using PoolingDescriptor = Descriptor<cudnnPoolingDescriptor_t, cudnnDestroyPoolingDescriptor>;

/// A 4-d tensor descriptor with t's sizes and strides (t must be 4-d).
TensorDescriptor tensor_descriptor(const Tensor& t);
/// [1, C, 1, 1] for a per-channel bias of C elements.
TensorDescriptor bias_descriptor(const Tensor& bias);
/// An NCHW filter descriptor for weight [O, C/groups, kh, kw].
FilterDescriptor filter_descriptor(const Tensor& weight);

/// Checks that v fits cuDNN's int arguments; `what` names it in the error.
int cudnn_int(int64_t v, const char* what);

}  // namespace minidl::kernels::cuda
