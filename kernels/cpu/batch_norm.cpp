// CPU batch norm: per-channel reductions split into chunks of kChunk values (OpenMP over
// (channel, chunk)), combined in chunk order so results do not depend on the thread count;
// then a pass over rows (n, c). A chunk's mean and M2 come from two passes over it (the
// second reads it from cache), summed in float64 in kLanes independent partial sums the
// compiler keeps in vector registers; chunks are merged with Chan et al.'s combination (1979),
// the Welford merge of kernels/math/batch_norm.h, as the CUDA kernels merge their threads.
// Two-pass chunks are as exact as a Welford update per value (no per-value division), and
// float64 keeps them exact for means far from zero (inputs near 1e4).
#include "kernels/cpu/batch_norm.h"

#include <algorithm>
#include <vector>

#include "kernels/batch_norm_backend.h"
#include "kernels/cpu/lane_sum.h"

namespace minidl::kernels::cpu {
namespace {
using detail::BatchNormShape;

// Values per partial state: the parallel grain.
constexpr int64_t kChunk = 4096;
// Independent partial sums per run of a chunk.
constexpr int kLanes = 8;

// Calls run(first, count) for each contiguous run of storage indices holding values
// begin..end-1 of channel c, value j being (n, s) = (j / S, j % S) at ((n * C) + c) * S + s.
template <typename Run>
void visit_runs(const BatchNormShape& shape, int64_t c, int64_t begin, int64_t end, Run&& run) {
  int64_t n = begin / shape.spatial, s = begin % shape.spatial;
  for (int64_t j = begin; j < end; s = 0, ++n) {
    const int64_t count = std::min(end - j, shape.spatial - s);
    run((n * shape.channels + c) * shape.spatial + s, count);
    j += count;
  }
}

// The float64 sum of f(i) over values begin..end-1 of channel c, run by run (lane_sum), so
// the result depends on the shape alone, never on the thread count.
template <typename F>
double sum_chunk(const BatchNormShape& shape, int64_t c, int64_t begin, int64_t end, F&& f) {
  double sum = 0;
  visit_runs(shape, c, begin, end, [&](int64_t first, int64_t count) {
    sum += lane_sum<double, kLanes>(count, [&](int64_t k) { return f(first + k); });
  });
  return sum;
}

// One State per channel: chunk(c, begin, end) for every chunk in parallel, then combined in order.
template <typename State, typename Chunk, typename Combine>
std::vector<State> reduce_channels(const BatchNormShape& shape, Chunk&& chunk, Combine&& combine) {
  const int64_t per_channel = shape.per_channel();
  const int64_t chunks = std::max<int64_t>(1, (per_channel + kChunk - 1) / kChunk);
  const int64_t tasks = shape.channels * chunks;
  std::vector<State> partial(static_cast<std::size_t>(tasks));
#pragma omp parallel for schedule(dynamic, 1) if (tasks > 1 && shape.numel() > kChunk)
  for (int64_t k = 0; k < tasks; ++k) {
    const int64_t begin = k % chunks * kChunk;
    partial[k] = chunk(k / chunks, begin, std::min(per_channel, begin + kChunk));
  }
  std::vector<State> total(static_cast<std::size_t>(shape.channels));
  for (int64_t c = 0; c < shape.channels; ++c)
    for (int64_t q = 0; q < chunks; ++q) total[c] = combine(total[c], partial[c * chunks + q]);
  return total;
}

// f(i, c) for every element, in parallel over rows (n, c).
template <typename F> void for_each_element(const BatchNormShape& shape, F&& f) {
  const int64_t rows = shape.batch * shape.channels;
#pragma omp parallel for schedule(static) if (shape.numel() > kChunk)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t c = r % shape.channels;
    for (int64_t i = r * shape.spatial; i < (r + 1) * shape.spatial; ++i) f(i, c);
  }
}

template <typename T, typename A>
void apply(const BatchNormShape& shape, const Tensor& input, const Tensor& output,
           const std::vector<ChannelTransform<A>>& table, bool relu) {
  const T* x = static_cast<const T*>(input.data_ptr());
  T* y = static_cast<T*>(output.data_ptr());
  for_each_element(shape, [&](int64_t i, int64_t c) {
    y[i] = cast_value<T>(batch_norm_apply(static_cast<A>(widen(x[i])), table[c], relu));
  });
}

template <typename T, typename P>
void train_forward(const BatchNormInputs& in, const Tensor& output, const BatchNormStats& stats,
                   const BatchNormOptions& options) {
  using A = acc_t<T>;
  const BatchNormShape shape = detail::batch_norm_shape(in.input);
  const T* x = static_cast<const T*>(in.input.data_ptr());
  const auto value = [x](int64_t i) { return static_cast<double>(widen(x[i])); };
  const auto welford = reduce_channels<Welford<double>>(
      shape,
      [&](int64_t c, int64_t begin, int64_t end) {
        const auto count = static_cast<double>(end - begin);
        const double mean = sum_chunk(shape, c, begin, end, value) / count;
        const double m2 = sum_chunk(shape, c, begin, end, [&](int64_t i) {
          const double centered = value(i) - mean;
          return centered * centered;
        });
        return Welford<double>{mean, m2, count};
      },
      WelfordCombine{});
  const BatchNormChannels<P, A> channels = detail::forward_channels<P, A>(in, stats, options);
  std::vector<ChannelTransform<A>> table(static_cast<std::size_t>(shape.channels));
  for (int64_t c = 0; c < shape.channels; ++c) {
    const Welford<double>& s = welford[c];
    const Welford<A> state{static_cast<A>(s.mean), static_cast<A>(s.m2), static_cast<A>(s.count)};
    table[c] = finalize_train_channel(channels, c, state);
  }
  apply<T>(shape, in.input, output, table, options.fuse_relu);
}

template <typename T, typename P>
void eval_forward(const BatchNormInputs& in, const Tensor& output, const BatchNormStats& stats,
                  const BatchNormOptions& options) {
  using A = acc_t<T>;
  const BatchNormShape shape = detail::batch_norm_shape(in.input);
  const BatchNormChannels<P, A> channels = detail::forward_channels<P, A>(in, stats, options);
  std::vector<ChannelTransform<A>> table(static_cast<std::size_t>(shape.channels));
  for (int64_t c = 0; c < shape.channels; ++c) table[c] = finalize_eval_channel(channels, c);
  apply<T>(shape, in.input, output, table, options.fuse_relu);
}

template <typename T, typename P>
void backward(const Tensor& grad_output, const BatchNormInputs& in, const Tensor& output,
              const BatchNormStats& stats, bool training, bool fuse_relu, const BatchNormGrads& grads) {
  using A = acc_t<T>;
  const BatchNormShape shape = detail::batch_norm_shape(in.input);
  const T* x = static_cast<const T*>(in.input.data_ptr());
  const T* dy = static_cast<const T*>(grad_output.data_ptr());
  const T* y = fuse_relu ? static_cast<const T*>(output.data_ptr()) : nullptr;
  const A* save_mean = static_cast<const A*>(stats.mean.data_ptr());
  // The gradient reaching the batch norm, through the fused ReLU or not: two loops rather than
  // a test per value, which would keep the reductions from vectorizing.
  const auto plain = [&](int64_t i) { return static_cast<A>(widen(dy[i])); };
  const auto through_relu = [&](int64_t i) {
    return relu_masked_grad(static_cast<A>(widen(dy[i])), static_cast<A>(widen(y[i])), true);
  };
  const auto run = [&](const auto& upstream) {
    const auto sums = reduce_channels<GradSums<double>>(
        shape,
        [&](int64_t c, int64_t begin, int64_t end) {
          const double mean = save_mean[c];
          return GradSums<double>{
              sum_chunk(shape, c, begin, end, [&](int64_t i) { return static_cast<double>(upstream(i)); }),
              sum_chunk(shape, c, begin, end, [&](int64_t i) {
                return static_cast<double>(upstream(i)) * (static_cast<double>(widen(x[i])) - mean);
              })};
        },
        GradSumsAdd{});
    const BatchNormGradChannels<P, A> channels =
        detail::grad_channels<P, A>(in, stats, grads, shape.per_channel(), training);
    std::vector<InputGradTransform<A>> table(static_cast<std::size_t>(shape.channels));
    for (int64_t c = 0; c < shape.channels; ++c)
      table[c] = finalize_grad_channel(
          channels, c, GradSums<A>{static_cast<A>(sums[c].dy), static_cast<A>(sums[c].dy_centered)});
    if (!grads.input.defined()) return;
    T* dx = static_cast<T*>(grads.input.data_ptr());
    for_each_element(shape, [&](int64_t i, int64_t c) {
      dx[i] = cast_value<T>(batch_norm_input_grad(upstream(i), static_cast<A>(widen(x[i])), table[c]));
    });
  };
  if (y != nullptr)
    run(through_relu);
  else
    run(plain);
}

}  // namespace

void batch_norm_train_forward(const BatchNormInputs& in, const Tensor& output, const BatchNormStats& stats,
                              const BatchNormOptions& options) {
  detail::dispatch_batch_norm(in.input.dtype(), detail::batch_norm_param_dtype(in), [&](auto t, auto p) {
    train_forward<typename decltype(t)::type, typename decltype(p)::type>(in, output, stats, options);
  });
}

void batch_norm_eval_forward(const BatchNormInputs& in, const Tensor& output, const BatchNormStats& stats,
                             const BatchNormOptions& options) {
  detail::dispatch_batch_norm(in.input.dtype(), detail::batch_norm_param_dtype(in), [&](auto t, auto p) {
    eval_forward<typename decltype(t)::type, typename decltype(p)::type>(in, output, stats, options);
  });
}

void batch_norm_backward(const Tensor& grad_output, const BatchNormInputs& in, const Tensor& output,
                         const BatchNormStats& stats, bool training, bool fuse_relu,
                         const BatchNormGrads& grads) {
  detail::dispatch_batch_norm(in.input.dtype(), detail::batch_norm_param_dtype(in), [&](auto t, auto p) {
    backward<typename decltype(t)::type, typename decltype(p)::type>(grad_output, in, output, stats, training,
                                                                     fuse_relu, grads);
  });
}

}  // namespace minidl::kernels::cpu
