// Factory functions: empty, zeros, ones, full, arange, from_vector and the *_like forms.
#include <cmath>
#include <cstring>

#include "core/autograd.h"
#include "core/cuda/runtime.h"
#include "core/tensor.h"
#include "kernels/ops.h"

namespace minidl {

Tensor empty(const Shape& shape, TensorOptions options) {
  for (int64_t s : shape)
    MINIDL_CHECK(s >= 0, ShapeError, "negative size in shape ", shape_str(shape));
  const auto nbytes = static_cast<std::size_t>(shape_numel(shape)) * element_size(options.dtype);
  Storage storage = Storage::allocate(nbytes, options.device);
  // Every new tensor's memory comes from here, so this is where InferenceMode marks it.
  if (autograd::is_inference_mode_enabled()) storage.mark_inference();
  return Tensor(std::move(storage), shape, contiguous_strides(shape), 0, options.dtype);
}

Tensor full(const Shape& shape, double value, TensorOptions options) {
  Tensor out = empty(shape, options);
  kernels::fill(out, value);
  return out;
}

Tensor zeros(const Shape& shape, TensorOptions options) { return full(shape, 0.0, options); }
Tensor ones(const Shape& shape, TensorOptions options) { return full(shape, 1.0, options); }

Tensor empty_like(const Tensor& other) { return empty(other.shape(), {other.dtype(), other.device()}); }
Tensor zeros_like(const Tensor& other) { return zeros(other.shape(), {other.dtype(), other.device()}); }
Tensor ones_like(const Tensor& other) { return ones(other.shape(), {other.dtype(), other.device()}); }

Tensor arange(double end, TensorOptions options) { return arange(0.0, end, 1.0, options); }

Tensor arange(double start, double end, double step, TensorOptions options) {
  MINIDL_CHECK(step != 0 && std::isfinite(start) && std::isfinite(end) && std::isfinite(step), ValueError,
               "arange: invalid range start=", start, " end=", end, " step=", step);
  MINIDL_CHECK((end - start) / step >= 0, ValueError, "arange: step ", step, " never reaches end ", end,
               " from start ", start);
  const auto n = static_cast<int64_t>(std::ceil((end - start) / step));
  Tensor out = empty({n}, options);
  kernels::arange(out, start, step);
  return out;
}

template <typename T>
Tensor from_vector(const std::vector<T>& values, Shape shape, const Device& device) {
  if (shape.empty() && values.size() != 1) shape = {static_cast<int64_t>(values.size())};
  MINIDL_CHECK(shape_numel(shape) == static_cast<int64_t>(values.size()), ShapeError, "from_vector: ",
               values.size(), " values do not fill shape ", shape_str(shape));
  Tensor host = empty(shape, {.dtype = dtype_of<T>, .device = Device::cpu()});
  if constexpr (std::is_same_v<T, bool>) {
    bool* data = host.data<bool>();
    for (std::size_t i = 0; i < values.size(); ++i) data[i] = values[i];
  } else {
    // An empty vector's data() may be null, and memcpy from null is undefined even for 0 bytes.
    if (!values.empty()) std::memcpy(host.data_ptr(), values.data(), values.size() * sizeof(T));
  }
  return host.to(device);
}

#define MINIDL_INSTANTIATE(T) \
  template Tensor from_vector<T>(const std::vector<T>&, Shape, const Device&);
MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)
MINIDL_INSTANTIATE(Half)
MINIDL_INSTANTIATE(BFloat16)
MINIDL_INSTANTIATE(int32_t)
MINIDL_INSTANTIATE(int64_t)
MINIDL_INSTANTIATE(uint8_t)
MINIDL_INSTANTIATE(bool)
#undef MINIDL_INSTANTIATE

}  // namespace minidl
