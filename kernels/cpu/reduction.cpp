// CPU reductions: each segment is walked run by run along its innermost reduced dim.
// Many segments run in parallel; a few long ones are cut into fixed-size chunks whose
// partial results are combined in order, so the result does not depend on the thread
// count. Floating sums accumulate in double (eight lanes, for speed and accuracy).
#include "kernels/cpu/reduction.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/math/cast.h"
#include "kernels/math/reduction.h"

namespace minidl::kernels::cpu {
namespace {

constexpr int64_t kGrain = 1 << 15;    // elements per parallel chunk of one segment
constexpr int64_t kManySegments = 64;  // from here on, parallel over segments only

template <typename T>
using sum_acc_t = std::conditional_t<std::is_floating_point_v<acc_t<T>>, double, int64_t>;

// reduce(layout, init, run, combine, store): run(acc, o, offset, stride, len, r0) folds
// the len elements at offset + t*stride (t < len, reduced index r0 + t) of segment o into acc.
template <typename Acc, typename Run, typename Combine, typename Store>
void reduce(const ReduceLayout& layout, Acc init, const Run& run, const Combine& combine,
            const Store& store) {
  const int64_t inner = layout.inner;
  const int64_t chunks =
      layout.outer >= kManySegments ? 1 : std::max<int64_t>(1, (inner + kGrain - 1) / kGrain);
  const int64_t chunk_len = (inner + chunks - 1) / chunks;
  const int last = layout.inner_index.ndim - 1;
  StridedIndexer rows = layout.inner_index;  // the reduced dims above the innermost one
  rows.ndim = std::max(last, 0);

  auto fold = [&](int64_t o, int64_t r0, int64_t r1) {
    Acc acc = init;
    const int64_t base = layout.base(o);
    if (layout.inner_contiguous) return r1 > r0 ? run(acc, o, base + r0, 1, r1 - r0, r0) : acc;
    const int64_t row_len = layout.inner_index.sizes[last];
    const int64_t stride = layout.inner_index.strides[last];
    for (int64_t r = r0; r < r1;) {
      const int64_t j = r % row_len;
      const int64_t len = std::min(row_len - j, r1 - r);
      acc = run(acc, o, base + rows.offset(r / row_len) + j * stride, stride, len, r);
      r += len;
    }
    return acc;
  };

  const int64_t tasks = layout.outer * chunks;
  std::vector<Acc> partial(static_cast<std::size_t>(chunks > 1 ? tasks : 0), init);
#pragma omp parallel for schedule(static) if (tasks > 1 && layout.outer * inner > kGrain)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t o = t / chunks;
    const int64_t r0 = (t % chunks) * chunk_len;
    const Acc acc = fold(o, std::min(r0, inner), std::min(r0 + chunk_len, inner));
    if (chunks == 1)
      store(o, acc);
    else
      partial[t] = acc;
  }
  if (chunks == 1) return;
  for (int64_t o = 0; o < layout.outer; ++o) {
    Acc acc = partial[o * chunks];
    for (int64_t c = 1; c < chunks; ++c) acc = combine(acc, partial[o * chunks + c]);
    store(o, acc);
  }
}

// Sum of len elements; independent lanes when unit-stride.
template <typename Acc, typename T> Acc sum_run(const T* x, int64_t offset, int64_t stride, int64_t len) {
  const T* p = x + offset;
  if (stride != 1) {
    Acc acc = 0;
    for (int64_t t = 0; t < len; ++t) acc += cast_value<Acc>(p[t * stride]);
    return acc;
  }
  constexpr int kLanes = 8;  // independent chains: the adds overlap (and vectorize)
  Acc lane[kLanes] = {};
  int64_t t = 0;
  for (; t + kLanes <= len; t += kLanes)
    for (int k = 0; k < kLanes; ++k) lane[k] += cast_value<Acc>(p[t + k]);
  for (; t < len; ++t) lane[0] += cast_value<Acc>(p[t]);
  Acc total = 0;
  for (int k = 0; k < kLanes; ++k) total += lane[k];
  return total;
}

}  // namespace

void sum(const ReduceLayout& layout, const Tensor& x, const Tensor& out, double scale) {
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = sum_acc_t<T>;
    using Out = std::conditional_t<std::is_floating_point_v<acc_t<T>>, T, int64_t>;
    const T* xp = static_cast<const T*>(x.data_ptr());
    Out* op = static_cast<Out*>(out.data_ptr());
    reduce<Acc>(
        layout, Acc(0),
        [&](Acc acc, int64_t, int64_t offset, int64_t stride, int64_t len, int64_t) {
          return acc + sum_run<Acc>(xp, offset, stride, len);
        },
        [](Acc a, Acc b) { return a + b; },
        [&](int64_t o, Acc acc) {
          if constexpr (std::is_floating_point_v<Acc>)
            op[o] = cast_value<Out>(acc * scale);
          else
            op[o] = acc;
        });
  });
}

void var(const ReduceLayout& layout, const Tensor& x, const Tensor& out, double correction) {
  dispatch_floating(x.dtype(), "var", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using D = Deviations<double>;
    const T* xp = static_cast<const T*>(x.data_ptr());
    T* op = static_cast<T*>(out.data_ptr());
    std::vector<double> means(static_cast<std::size_t>(layout.outer));
    const double inv_n = 1.0 / static_cast<double>(layout.inner);
    reduce<double>(
        layout, 0.0,
        [&](double acc, int64_t, int64_t offset, int64_t stride, int64_t len, int64_t) {
          return acc + sum_run<double>(xp, offset, stride, len);
        },
        [](double a, double b) { return a + b; }, [&](int64_t o, double acc) { means[o] = acc * inv_n; });
    reduce<D>(
        layout, D{0, 0},
        [&](D acc, int64_t o, int64_t offset, int64_t stride, int64_t len, int64_t) {
          for (int64_t t = 0; t < len; ++t) {
            const double d = cast_value<double>(xp[offset + t * stride]) - means[o];
            acc.sum += d;
            acc.sum_sq += d * d;
          }
          return acc;
        },
        [](const D& a, const D& b) { return combine_deviations(a, b); },
        [&](int64_t o, const D& acc) { op[o] = cast_value<T>(variance(acc, layout.inner, correction)); });
  });
}

void max(const ReduceLayout& layout, const Tensor& x, const Tensor& values, const Tensor& indices) {
  dispatch_floating(x.dtype(), "max", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = acc_t<T>;
    using M = MaxIndex<Acc>;
    const T* xp = static_cast<const T*>(x.data_ptr());
    T* vp = static_cast<T*>(values.data_ptr());
    int64_t* ip = static_cast<int64_t*>(indices.data_ptr());
    const M init{-std::numeric_limits<Acc>::infinity(), std::numeric_limits<int64_t>::max()};
    reduce<M>(
        layout, init,
        [&](M acc, int64_t, int64_t offset, int64_t stride, int64_t len, int64_t r0) {
          for (int64_t t = 0; t < len; ++t)
            acc = combine_max(acc, M{cast_value<Acc>(xp[offset + t * stride]), r0 + t});
          return acc;
        },
        [](const M& a, const M& b) { return combine_max(a, b); },
        [&](int64_t o, const M& acc) {
          vp[o] = cast_value<T>(acc.value);
          ip[o] = acc.index;
        });
  });
}

}  // namespace minidl::kernels::cpu
