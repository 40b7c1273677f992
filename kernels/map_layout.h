// Layout of an element-wise map over an output and up to three inputs broadcast to
// its shape: one shared size list and per-operand strides (0 on broadcast dims),
// with adjacent dims merged wherever every operand allows (as PyTorch's
// TensorIterator coalesces), so the common cases become 1-d or contiguous.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/host_device.h"
#include "core/tensor.h"
#include "kernels/dispatch.h"
#include "kernels/math/indexing.h"

namespace minidl::kernels {

struct MapLayout {
  /// The output plus at most three inputs.
  static constexpr int kMaxOperands = 4;
  int ndim = 0;
  int operands = 0;
  int64_t numel = 0;
  /// Every operand is contiguous with the output's shape: element i sits at offset i.
  bool contiguous = false;
  int64_t sizes[kMaxDims] = {};
  int64_t strides[kMaxOperands][kMaxDims] = {};  // [0] is the output, in elements

  /// Offsets (in elements) of element `linear` in the first N operands; one div/mod per dim.
  template <int N> MINIDL_HD_INLINE void offsets(int64_t linear, int64_t (&out)[N]) const {
    for (int k = 0; k < N; ++k) out[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t index = linear % sizes[d];
      linear /= sizes[d];
      for (int k = 0; k < N; ++k) out[k] += index * strides[k][d];
    }
  }
};

/// The storage type a map writes: bool when fn returns bool (comparisons), else In.
template <typename In, int N, typename Fn> struct MapOut;
template <typename In, typename Fn> struct MapOut<In, 1, Fn> {
  using result = decltype(std::declval<Fn>()(std::declval<acc_t<In>>()));
};
template <typename In, typename Fn> struct MapOut<In, 2, Fn> {
  using result = decltype(std::declval<Fn>()(std::declval<acc_t<In>>(), std::declval<acc_t<In>>()));
};
template <typename In, typename Fn> struct MapOut<In, 3, Fn> {
  using result = decltype(std::declval<Fn>()(std::declval<acc_t<In>>(), std::declval<acc_t<In>>(),
                                             std::declval<acc_t<In>>()));
};
template <typename In, int N, typename Fn>
using map_out_t = std::conditional_t<std::is_same_v<typename MapOut<In, N, Fn>::result, bool>, bool, In>;

/// Elements per 16-byte vector access of a map (1: scalar accesses only). Vectors need a
/// contiguous layout, 16-byte aligned inputs of in_size bytes per element, and an output
/// aligned to its own vector (out_size bytes per element times the same count).
inline int map_vector_width(const MapLayout& layout, const std::vector<const void*>& inputs, const void* out,
                            std::size_t in_size, std::size_t out_size) {
  const std::size_t width = 16 / in_size;
  if (!layout.contiguous || width < 2 || layout.numel < static_cast<int64_t>(width)) return 1;
  for (const void* p : inputs)
    if (reinterpret_cast<std::uintptr_t>(p) % 16 != 0) return 1;
  if (reinterpret_cast<std::uintptr_t>(out) % (out_size * width) != 0) return 1;
  return static_cast<int>(width);
}

/// The layout of out = f(inputs...), inputs broadcastable to out's shape (checked by the caller).
MapLayout make_map_layout(const Tensor& out, const std::vector<Tensor>& inputs);

}  // namespace minidl::kernels
