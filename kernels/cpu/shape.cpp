// CPU loops of index_select, index_add and pad over the index maps of
// kernels/math/shape.h. index_add runs each (outer, inner) column serially over
// the index, so repeated indices add up in a fixed order without races.
#include "kernels/cpu/shape.h"

#include "kernels/dispatch.h"
#include "kernels/math/cast.h"

namespace minidl::kernels::cpu {
namespace {
// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kParallelGrain = 1 << 15;
}  // namespace

void index_select(const Tensor& x, const Tensor& index, const IndexSelectGeometry& g, const Tensor& out) {
  const int64_t n = out.numel();
  const int64_t* idx = index.data<int64_t>();
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = static_cast<const T*>(x.data_ptr());
    T* dst = static_cast<T*>(out.data_ptr());
#pragma omp parallel for if (n > kParallelGrain)
    for (int64_t i = 0; i < n; ++i) dst[i] = src[index_select_source(g, i, idx[index_select_position(g, i)])];
  });
}

void index_add(const Tensor& dst, const Tensor& index, const IndexSelectGeometry& g, const Tensor& src) {
  const int64_t columns = g.outer * g.inner;
  const int64_t* idx = index.data<int64_t>();
  dispatch_floating(dst.dtype(), "index_add", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* s = src.data<T>();
    T* d = dst.data<T>();
#pragma omp parallel for if (src.numel() > kParallelGrain)
    for (int64_t c = 0; c < columns; ++c) {
      // Element (o, j, i) of src sits at linear (o * count + j) * inner + i.
      const int64_t first = (c / g.inner) * g.count * g.inner + c % g.inner;
      for (int64_t j = 0; j < g.count; ++j) {
        const int64_t linear = first + j * g.inner;
        T& slot = d[index_select_source(g, linear, idx[j])];
        slot = cast_value<T>(widen(slot) + widen(s[linear]));
      }
    }
  });
}

void pad(const Tensor& x, const PadGeometry& g, double value, const Tensor& out) {
  const int64_t n = out.numel();
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = static_cast<const T*>(x.data_ptr());
    T* dst = static_cast<T*>(out.data_ptr());
    const T fill = cast_value<T>(value);
#pragma omp parallel for if (n > kParallelGrain)
    for (int64_t i = 0; i < n; ++i) {
      const int64_t offset = pad_source_offset(g, i);
      dst[i] = offset < 0 ? fill : src[offset];
    }
  });
}

void pad_backward(const Tensor& grad_out, const PadGeometry& g, const Tensor& grad_x) {
  const int64_t n = grad_x.numel();
  dispatch_floating(grad_x.dtype(), "pad backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    const T* gy = grad_out.data<T>();
    T* gx = grad_x.data<T>();
    const auto load = [gy](int64_t offset) { return static_cast<A>(widen(gy[offset])); };
#pragma omp parallel for if (n > kParallelGrain)
    for (int64_t i = 0; i < n; ++i) gx[i] = cast_value<T>(pad_backward_value<A>(g, i, load));
  });
}

}  // namespace minidl::kernels::cpu
