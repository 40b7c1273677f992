// Maps a row-major linear element index to a strided storage offset. Used by
// both backends for tensors that are not contiguous; the index math is the
// same on CPU and GPU, so so are the results.
#pragma once

#include <cstdint>

#include "core/host_device.h"

namespace minidl::kernels {

inline constexpr int kMaxDims = 8;

struct StridedIndexer {
  int ndim = 0;
  int64_t sizes[kMaxDims] = {};
  int64_t strides[kMaxDims] = {};  // in elements

  /// Offset (in elements, from the tensor's first element) of element `linear`.
  MINIDL_HD_INLINE int64_t offset(int64_t linear) const {
    int64_t result = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t size = sizes[d];
      result += (linear % size) * strides[d];
      linear /= size;
    }
    return result;
  }
};

}  // namespace minidl::kernels
