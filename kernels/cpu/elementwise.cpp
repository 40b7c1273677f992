// CPU element-wise loops (OpenMP): a flat loop when every operand is contiguous, else
// fixed-size chunks walked row by row (one index division per row, not per element)
// with each operand's strides, 0 on broadcast dims. The math is kernels/math/elementwise.h.
#include "kernels/cpu/elementwise.h"

#include <algorithm>
#include <array>
#include <utility>

#include "kernels/elementwise_visit.h"
#include "kernels/math/cast.h"

namespace minidl::kernels::cpu {
namespace {

// Elements per parallel chunk: below this a parallel region costs more than it saves.
constexpr int64_t kGrain = 1 << 15;

template <typename Acc, typename In, typename Fn, std::size_t... K>
inline auto call_at(const Fn& fn, const std::array<const In*, sizeof...(K)>& in, const int64_t* off,
                    std::index_sequence<K...>) {
  return fn(cast_value<Acc>(in[K][off[K]])...);
}

template <typename Acc, typename In, typename Fn, std::size_t... K>
inline auto call_flat(const Fn& fn, const std::array<const In*, sizeof...(K)>& in, int64_t i,
                      std::index_sequence<K...>) {
  return fn(cast_value<Acc>(in[K][i])...);
}

// out = fn(inputs...) over `layout`; In is the inputs' storage type, out holds In or bool.
template <typename In, std::size_t N, typename Fn>
void map(const MapLayout& layout, const std::array<const Tensor*, N>& tensors, const Tensor& out,
         const Fn& fn) {
  using Acc = acc_t<In>;
  using Seq = std::make_index_sequence<N>;
  using Out = map_out_t<In, static_cast<int>(N), Fn>;
  std::array<const In*, N> in{};
  for (std::size_t k = 0; k < N; ++k) in[k] = static_cast<const In*>(tensors[k]->data_ptr());
  Out* o = static_cast<Out*>(out.data_ptr());
  const int64_t n = layout.numel;

  if (layout.contiguous) {
#pragma omp parallel for schedule(static) if (n > kGrain)
    for (int64_t i = 0; i < n; ++i) o[i] = cast_value<Out>(call_flat<Acc, In>(fn, in, i, Seq{}));
    return;
  }

  const int last = layout.ndim - 1;  // ndim >= 1: a 0-d layout is contiguous
  const int64_t row_len = layout.sizes[last];
  MapLayout rows = layout;  // the dims above the last one
  rows.ndim = last;
  const int64_t chunks = (n + kGrain - 1) / kGrain;
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t end = std::min(n, (c + 1) * kGrain);
    for (int64_t i = c * kGrain; i < end;) {
      const int64_t j = i % row_len;
      const int64_t len = std::min(row_len - j, end - i);
      int64_t off[N + 1];
      rows.offsets<N + 1>(i / row_len, off);
      for (std::size_t k = 0; k <= N; ++k) off[k] += j * layout.strides[k][last];
      for (int64_t t = 0; t < len; ++t) {
        o[off[0]] = cast_value<Out>(call_at<Acc, In>(fn, in, off + 1, Seq{}));
        for (std::size_t k = 0; k <= N; ++k) off[k] += layout.strides[k][last];
      }
      i += len;
    }
  }
}

}  // namespace

void unary(UnaryArgs op, const MapLayout& layout, const Tensor& x, const Tensor& out) {
  visit_op(op, [&](auto f) {
    using F = decltype(f);
    dispatch_op_dtype<F>(x.dtype(), op_name(op.op), [&](auto tag) {
      map<typename decltype(tag)::type, 1>(layout, {&x}, out, Forward1<F>{f});
    });
  });
}

void binary(BinaryArgs op, const MapLayout& layout, const Tensor& a, const Tensor& b, const Tensor& out) {
  visit_op(op, [&](auto f) {
    using F = decltype(f);
    dispatch_op_dtype<F>(a.dtype(), op_name(op.op), [&](auto tag) {
      map<typename decltype(tag)::type, 2>(layout, {&a, &b}, out, Forward2<F>{f});
    });
  });
}

void ternary(TernaryArgs op, const MapLayout& layout, const Tensor& a, const Tensor& b, const Tensor& c,
             const Tensor& out) {
  visit_op(op, [&](auto f) {
    using F = decltype(f);
    dispatch_op_dtype<F>(a.dtype(), op_name(op.op), [&](auto tag) {
      map<typename decltype(tag)::type, 3>(layout, {&a, &b, &c}, out, Forward3<F>{f});
    });
  });
}

void unary_backward(UnaryArgs op, const MapLayout& layout, const Tensor& x, const Tensor& y,
                    const Tensor& grad, const Tensor& out) {
  visit_op(op, [&](auto f) {
    using F = decltype(f);
    dispatch_floating(grad.dtype(), op_name(op.op), [&](auto tag) {
      map<typename decltype(tag)::type, 3>(layout, {&x, &y, &grad}, out, Backward1<F>{f});
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
          map<T, 3>(layout, {&a, &b, &grad}, out, Backward2<F, 0>{f});
        else
          map<T, 3>(layout, {&a, &b, &grad}, out, Backward2<F, 1>{f});
      });
    } else {
      throw ValueError(::minidl::detail::str_cat(op_name(op.op),
                                                 ": no backward kernel (its gradient is a "
                                                 "scaled copy of grad)"));
    }
  });
}

}  // namespace minidl::kernels::cpu
