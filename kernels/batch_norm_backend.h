// What both batch-norm backends share on the host: the (N, C, S) view of the input, the
// (input, parameter) dtype dispatch and the raw per-channel pointers of kernels/math/batch_norm.h.
// Arguments were checked by kernels/batch_norm.cpp.
#pragma once

#include <cstdint>

#include "kernels/batch_norm.h"
#include "kernels/dispatch.h"
#include "kernels/math/batch_norm.h"

namespace minidl::kernels::detail {

/// The input as (batch, channels, spatial): spatial is the product of the dims after 1.
struct BatchNormShape {
  int64_t batch, channels, spatial;
  int64_t per_channel() const { return batch * spatial; }
  int64_t numel() const { return batch * channels * spatial; }
};

inline BatchNormShape batch_norm_shape(const Tensor& input) {
  int64_t spatial = 1;
  for (int64_t d = 2; d < input.dim(); ++d) spatial *= input.size(d);
  return {input.size(0), input.size(1), spatial};
}

/// The dtype of the defined per-channel tensors (the input's when there are none).
inline DType batch_norm_param_dtype(const BatchNormInputs& in) {
  for (const Tensor* t : {&in.weight, &in.bias, &in.running_mean, &in.running_var})
    if (t->defined()) return t->dtype();
  return in.input.dtype();
}

/// Calls f(TypeTag<T>, TypeTag<P>) for input type T and parameter type P (T, or float for a
/// 16-bit T), so the 16-bit inputs of mixed precision keep float parameters.
template <typename F> void dispatch_batch_norm(DType input, DType params, F&& f) {
  dispatch_floating(input, "batch_norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (params == input) return f(tag, tag);
    if constexpr (!std::is_same_v<T, acc_t<T>>) {
      if (params == dtype_of<acc_t<T>>) return f(tag, TypeTag<acc_t<T>>{});
    }
    throw DTypeError(
        ::minidl::detail::str_cat("batch_norm: parameters of dtype ", params, " for input of dtype ", input));
  });
}

template <typename P> const P* const_ptr_or_null(const Tensor& t) {
  return t.defined() ? static_cast<const P*>(t.data_ptr()) : nullptr;
}
template <typename P> P* ptr_or_null(const Tensor& t) {
  return t.defined() ? static_cast<P*>(t.data_ptr()) : nullptr;
}

template <typename P, typename A>
BatchNormChannels<P, A> forward_channels(const BatchNormInputs& in, const BatchNormStats& stats,
                                         const BatchNormOptions& options) {
  return {const_ptr_or_null<P>(in.weight),        const_ptr_or_null<P>(in.bias),
          ptr_or_null<P>(in.running_mean),        ptr_or_null<P>(in.running_var),
          static_cast<A*>(stats.mean.data_ptr()), static_cast<A*>(stats.invstd.data_ptr()),
          static_cast<A>(options.momentum),       static_cast<A>(options.eps)};
}

template <typename P, typename A>
BatchNormGradChannels<P, A> grad_channels(const BatchNormInputs& in, const BatchNormStats& stats,
                                          const BatchNormGrads& grads, int64_t count, bool training) {
  return {const_ptr_or_null<P>(in.weight),
          static_cast<const A*>(stats.mean.data_ptr()),
          static_cast<const A*>(stats.invstd.data_ptr()),
          ptr_or_null<P>(grads.weight),
          ptr_or_null<P>(grads.bias),
          static_cast<A>(count),
          training};
}

}  // namespace minidl::kernels::detail
