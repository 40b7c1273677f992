// Backend-neutral compute on tensors, without autograd: each function checks
// its arguments, then runs kernels/cpu/ or kernels/cuda/ by the tensors' device.
#pragma once

#include <cstdint>

#include "core/philox_seed.h"
#include "core/tensor.h"
#include "kernels/math/indexing.h"

namespace minidl::kernels {

/// The layout of `t` for the strided kernels (throws ShapeError past kMaxDims dims).
StridedIndexer make_indexer(const Tensor& t);

/// dst = src elementwise, casting dtype; same shape (src broadcast already); any strides;
/// any pair of devices.
void copy(const Tensor& src, const Tensor& dst);
/// Every element of dst = value (cast to dst's dtype).
void fill(const Tensor& dst, double value);
/// dst[i] = start + i*step for a contiguous dst.
void arange(const Tensor& dst, double start, double step);

using ::minidl::PhiloxSeed;  // core/philox_seed.h
/// Random fills of a contiguous floating (uniform/normal/bernoulli) or integer (randint)
/// tensor; element i depends on (seed, offset, i) only (kernels/math/philox.h).
void uniform(const Tensor& dst, PhiloxSeed seed, double low, double high);
void normal(const Tensor& dst, PhiloxSeed seed, double mean, double stddev);
void bernoulli(const Tensor& dst, PhiloxSeed seed, double prob);
void randint(const Tensor& dst, PhiloxSeed seed, int64_t low, int64_t high);

}  // namespace minidl::kernels

/// In a dispatcher: the CUDA call when the backend is compiled, else DeviceUnavailableError.
#if defined(MINIDL_WITH_CUDA)
#define MINIDL_CUDA_DISPATCH(...) __VA_ARGS__
#else
#define MINIDL_CUDA_DISPATCH(...) \
  throw ::minidl::DeviceUnavailableError("minidl was built without CUDA")
#endif
