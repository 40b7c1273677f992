// CUDA launchers of the unary element-wise ops, forward and backward: each op's
// functor (kernels/elementwise_visit.h) runs in the shared map kernel (map.cuh).
// Kept apart from the binary ops so the two files compile in parallel.
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/map.cuh"
#include "kernels/elementwise_visit.h"

namespace minidl::kernels::cuda {

void unary(UnaryArgs op, const MapLayout& layout, const Tensor& x, const Tensor& out) {
  visit_op(op, [&](auto f) {
    using F = decltype(f);
    dispatch_op_dtype<F>(x.dtype(), op_name(op.op), [&](auto tag) {
      detail::launch_map<typename decltype(tag)::type, 1>(layout, {&x}, out, Forward1<F>{f});
    });
  });
}

void unary_backward(UnaryArgs op, const MapLayout& layout, const Tensor& x, const Tensor& y,
                    const Tensor& grad, const Tensor& out) {
  visit_op(op, [&](auto f) {
    using F = decltype(f);
    dispatch_floating(grad.dtype(), op_name(op.op), [&](auto tag) {
      detail::launch_map<typename decltype(tag)::type, 3>(layout, {&x, &y, &grad}, out, Backward1<F>{f});
    });
  });
}

}  // namespace minidl::kernels::cuda
