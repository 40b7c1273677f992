// Calls a generic lambda with the C++ type of a runtime dtype:
//   dispatch_all(t.dtype(), [&](auto tag) { using T = typename decltype(tag)::type; ... });
// dispatch_floating accepts the four floating dtypes and throws DTypeError otherwise.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/error.h"

namespace minidl::kernels {

template <typename T> struct TypeTag { using type = T; };

template <typename F>
decltype(auto) dispatch_all(DType dtype, F&& f) {
  switch (dtype) {
    case DType::Float32: return f(TypeTag<float>{});
    case DType::Float64: return f(TypeTag<double>{});
    case DType::Float16: return f(TypeTag<Half>{});
    case DType::BFloat16: return f(TypeTag<BFloat16>{});
    case DType::Int32: return f(TypeTag<int32_t>{});
    case DType::Int64: return f(TypeTag<int64_t>{});
    case DType::UInt8: return f(TypeTag<uint8_t>{});
    case DType::Bool: return f(TypeTag<bool>{});
  }
  throw DTypeError("unknown dtype");
}

template <typename F>
decltype(auto) dispatch_floating(DType dtype, const char* op, F&& f) {
  switch (dtype) {
    case DType::Float32: return f(TypeTag<float>{});
    case DType::Float64: return f(TypeTag<double>{});
    case DType::Float16: return f(TypeTag<Half>{});
    case DType::BFloat16: return f(TypeTag<BFloat16>{});
    default: break;
  }
  throw DTypeError(::minidl::detail::str_cat(op, ": expected a floating dtype, got ", dtype));
}

/// The type arithmetic is done in: float for the 16-bit floats, else T itself.
template <typename T> struct AccType { using type = T; };
template <> struct AccType<Half> { using type = float; };
template <> struct AccType<BFloat16> { using type = float; };
template <typename T> using acc_t = typename AccType<T>::type;

}  // namespace minidl::kernels
