// CPU loops of the multi-tensor kernels: the same packing as CUDA (kernels/multi_tensor.h,
// here one "launch" of many small chunks so OpenMP balances tensors of any size), the same
// per-element functors (kernels/math/optim_functors.h).
#include "kernels/cpu/optim.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/math/cast.h"

namespace minidl::kernels::cpu {
namespace {

// Small enough that a few large tensors still give every thread work, large enough
// that a chunk outweighs OpenMP's scheduling.
constexpr int64_t kCpuChunk = 1 << 15;

std::vector<LaunchPlan> plan(const MultiTensorCall& call) {
  const MultiTensorLimits limits{.max_tensors = 1 << 16, .max_items = 1 << 30, .chunk_size = kCpuChunk};
  return plan_multi_tensor(call.refs, limits);
}

// Calls visit(r) with the values of element i of every list (as A), then stores the
// lists in kWriteMask back.
template <typename T, int D, unsigned kWriteMask, typename Visit>
void visit_item(const MultiTensorCall& call, const LaunchPlan& launch, const WorkItem& item, Visit&& visit) {
  using A = acc_t<T>;
  const int64_t tensor = launch.tensors[static_cast<std::size_t>(item.slot)].index;
  const int64_t begin = item.chunk * kCpuChunk;
  const int64_t end = std::min(begin + kCpuChunk, call.refs.numel[static_cast<std::size_t>(tensor)]);
  T* ptr[D];
  for (int d = 0; d < D; ++d)
    ptr[d] = static_cast<T*>(call.refs.addresses[d][static_cast<std::size_t>(tensor)]);
  for (int64_t i = begin; i < end; ++i) {
    A r[D];
    for (int d = 0; d < D; ++d) r[d] = cast_value<A>(ptr[d][i]);
    visit(r);
    for (int d = 0; d < D; ++d)
      if ((kWriteMask >> d) & 1u) ptr[d][i] = cast_value<T>(r[d]);
  }
}

template <typename T, typename F> void apply_typed(const MultiTensorCall& call, const F& functor) {
  using A = acc_t<T>;
  constexpr int D = F::kDepth;
  const auto op = functor.template bind<A>();
  if constexpr (SkippableBound<decltype(op)>)
    if (op.skip()) return;
  bool finite = true;
  for (const LaunchPlan& launch : plan(call)) {
    const auto n_items = static_cast<int64_t>(launch.items.size());
#pragma omp parallel for schedule(dynamic) reduction(&& : finite)
    for (int64_t it = 0; it < n_items; ++it) {
      visit_item<T, D, F::kWriteMask>(call, launch, launch.items[static_cast<std::size_t>(it)],
                                      [&](A(&r)[D]) { finite = op(r) && finite; });
    }
  }
  if constexpr (F::kFlagsNonFinite)
    if (!finite) *functor.found_inf = 1.0f;
}

}  // namespace

template <typename F> void multi_tensor_apply(const MultiTensorCall& call, const F& functor) {
  dispatch_functor_dtype<F>(call.dtype,
                            [&](auto tag) { apply_typed<typename decltype(tag)::type>(call, functor); });
}

void sum_of_squares(const MultiTensorCall& call, double* stats) {
  double total = 0.0;
  dispatch_floating(call.dtype, "sum_of_squares", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    for (const LaunchPlan& launch : plan(call)) {
      std::vector<double> partials(launch.items.size(), 0.0);
      const auto n_items = static_cast<int64_t>(launch.items.size());
#pragma omp parallel for schedule(dynamic)
      for (int64_t it = 0; it < n_items; ++it) {
        double sum = 0.0;
        visit_item<T, 1, 0u>(call, launch, launch.items[static_cast<std::size_t>(it)], [&](A(&r)[1]) {
          const auto g = static_cast<double>(r[0]);
          sum += g * g;
        });
        partials[static_cast<std::size_t>(it)] = sum;
      }
      for (double partial : partials) total += partial;
    }
  });
  stats[0] = total;
  stats[1] = std::sqrt(total);
}

#define MINIDL_INSTANTIATE(...) template void multi_tensor_apply(const MultiTensorCall&, const __VA_ARGS__&);
MINIDL_FOR_EACH_MULTI_TENSOR_FUNCTOR(MINIDL_INSTANTIATE)
#undef MINIDL_INSTANTIATE

}  // namespace minidl::kernels::cpu
