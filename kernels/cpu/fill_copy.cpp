#include "kernels/cpu/fill_copy.h"

#include "kernels/dispatch.h"
#include "kernels/math/cast.h"
#include "kernels/ops.h"

namespace minidl::kernels::cpu {
namespace {
// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kParallelGrain = 1 << 15;
}  // namespace

void copy(const Tensor& src, const Tensor& dst) {
  const int64_t n = dst.numel();
  const bool contiguous = src.is_contiguous() && dst.is_contiguous();
  const StridedIndexer si = make_indexer(src);
  const StridedIndexer di = make_indexer(dst);
  dispatch_all(src.dtype(), [&](auto src_tag) {
    using S = typename decltype(src_tag)::type;
    dispatch_all(dst.dtype(), [&](auto dst_tag) {
      using D = typename decltype(dst_tag)::type;
      const S* s = static_cast<const S*>(src.data_ptr());
      D* d = static_cast<D*>(dst.data_ptr());
      if (contiguous) {
#pragma omp parallel for if (n > kParallelGrain)
        for (int64_t i = 0; i < n; ++i) d[i] = cast_value<D>(s[i]);
      } else {
#pragma omp parallel for if (n > kParallelGrain)
        for (int64_t i = 0; i < n; ++i) d[di.offset(i)] = cast_value<D>(s[si.offset(i)]);
      }
    });
  });
}

void fill(const Tensor& dst, double value) {
  const int64_t n = dst.numel();
  const StridedIndexer di = make_indexer(dst);
  const bool contiguous = dst.is_contiguous();
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = cast_value<T>(value);
    T* d = static_cast<T*>(dst.data_ptr());
#pragma omp parallel for if (n > kParallelGrain)
    for (int64_t i = 0; i < n; ++i) d[contiguous ? i : di.offset(i)] = v;
  });
}

void arange(const Tensor& dst, double start, double step) {
  const int64_t n = dst.numel();
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* d = static_cast<T*>(dst.data_ptr());
    for (int64_t i = 0; i < n; ++i) d[i] = cast_value<T>(start + static_cast<double>(i) * step);
  });
}

}  // namespace minidl::kernels::cpu
