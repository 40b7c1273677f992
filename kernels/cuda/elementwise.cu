// CUDA launchers of the binary and ternary element-wise ops (forward, and the
// backward of the non-linear binary ops): each op's functor (kernels/elementwise_visit.h)
// runs in the shared map kernel (map.cuh). Integer kernels exist only for ops taking them.
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/map.cuh"
#include "kernels/elementwise_visit.h"

namespace minidl::kernels::cuda {

void binary(BinaryArgs op, const MapLayout& layout, const Tensor& a, const Tensor& b, const Tensor& out) {
  visit_op(op, [&](auto f) {
    using F = decltype(f);
    dispatch_op_dtype<F>(a.dtype(), op_name(op.op), [&](auto tag) {
      detail::launch_map<typename decltype(tag)::type, 2>(layout, {&a, &b}, out, Forward2<F>{f});
    });
  });
}

void ternary(TernaryArgs op, const MapLayout& layout, const Tensor& a, const Tensor& b, const Tensor& c,
             const Tensor& out) {
  visit_op(op, [&](auto f) {
    using F = decltype(f);
    dispatch_op_dtype<F>(a.dtype(), op_name(op.op), [&](auto tag) {
      detail::launch_map<typename decltype(tag)::type, 3>(layout, {&a, &b, &c}, out, Forward3<F>{f});
    });
  });
}

void binary_backward(BinaryArgs op, const MapLayout& layout, const Tensor& a, const Tensor& b,
                     const Tensor& grad, const Tensor& out, int input) {
  visit_op(op, [&](auto f) {
    using F = decltype(f);
    if constexpr (kNeedsBackwardKernel<F>) {
      dispatch_floating(grad.dtype(), op_name(op.op), [&](auto tag) {
        using T = typename decltype(tag)::type;
        if (input == 0)
          detail::launch_map<T, 3>(layout, {&a, &b, &grad}, out, Backward2<F, 0>{f});
        else
          detail::launch_map<T, 3>(layout, {&a, &b, &grad}, out, Backward2<F, 1>{f});
      });
    } else {
      throw ValueError(::minidl::detail::str_cat(op_name(op.op),
                                                 ": no backward kernel (its gradient is a "
                                                 "scaled copy of grad)"));
    }
  });
}

}  // namespace minidl::kernels::cuda
