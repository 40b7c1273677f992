// The exception hierarchy of minidl and the MINIDL_CHECK macro. Library code
// reports every failure by throwing one of these; it never calls exit()/abort().
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace minidl {

/// Base of every exception minidl throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A CUDA, cuBLAS or cuDNN call or a kernel launch failed.
class CudaError : public Error { using Error::Error; };
/// The device ran out of memory even after the allocator released its cache.
class OutOfMemoryError : public Error { using Error::Error; };
/// Shapes do not fit (the message names both).
class ShapeError : public Error { using Error::Error; };
/// An operation does not support the dtype, or dtypes disagree.
class DTypeError : public Error { using Error::Error; };
/// Tensors are on different devices, or the device is invalid.
class DeviceError : public Error { using Error::Error; };
/// An argument has a value outside its domain.
class ValueError : public Error { using Error::Error; };
/// A file is missing, truncated or corrupt (the message names file and record).
class IOError : public Error { using Error::Error; };
/// CUDA was asked for but this build has no CUDA backend or the machine has no GPU.
class DeviceUnavailableError : public Error { using Error::Error; };

namespace detail {
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}
}  // namespace detail

}  // namespace minidl

/// Throws ErrorType with the streamed message parts when cond is false.
#define MINIDL_CHECK(cond, ErrorType, ...)                                   \
  do {                                                                       \
    if (!(cond)) throw ErrorType(::minidl::detail::str_cat(__VA_ARGS__));    \
  } while (0)
