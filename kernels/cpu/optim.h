// CPU backend of the multi-tensor kernels (optimizer steps, EMA, clipping, unscaling):
// OpenMP over the (tensor, chunk) work items of kernels/multi_tensor.h, each element
// updated by the functors of kernels/math/optim_functors.h. Arguments checked by kernels/optim.cpp.
#pragma once

#include "kernels/math/optim_functors.h"
#include "kernels/multi_tensor.h"

namespace minidl::kernels::cpu {

/// Runs `functor` over every element of the call's lists (instantiated for each functor
/// of kernels/math/optim_functors.h in kernels/cpu/optim.cpp).
template <typename F> void multi_tensor_apply(const MultiTensorCall& call, const F& functor);

/// stats[0] = sum of g^2 over the call's single list, stats[1] = sqrt(stats[0]) (double,
/// summed in a fixed order whatever the thread count).
void sum_of_squares(const MultiTensorCall& call, double* stats);

}  // namespace minidl::kernels::cpu
