// What a random fill draws (uniform, normal, bernoulli, randint with their parameters) and
// the typed dispatch both backends share: each backend supplies only its loop over Philox
// blocks (OpenMP on the CPU, a grid-stride kernel on CUDA) and gets the draw from here.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "kernels/dispatch.h"
#include "kernels/math/random.h"

namespace minidl::kernels {

struct RandomDraw {
  enum class Kind { Uniform, Normal, Bernoulli, Randint };
  Kind kind;
  double x = 0, y = 0;        ///< uniform low, high; normal mean, stddev; bernoulli prob in x
  int64_t low = 0, high = 0;  ///< randint's [low, high)

  static RandomDraw uniform(double low, double high) { return {Kind::Uniform, low, high}; }
  static RandomDraw normal(double mean, double stddev) { return {Kind::Normal, mean, stddev}; }
  static RandomDraw bernoulli(double prob) { return {Kind::Bernoulli, prob}; }
  static RandomDraw randint(int64_t low, int64_t high) { return {Kind::Randint, 0, 0, low, high}; }
};

/// Calls fill(tag, draw) with the dtype's type tag (tag's ::type is the element type) and the
/// typed draw functor from kernels/math/random.h. Uniform and normal take floating dtypes only.
template <typename Fill> void with_typed_draw(DType dtype, const RandomDraw& draw, const Fill& fill) {
  switch (draw.kind) {
    case RandomDraw::Kind::Uniform:
      return dispatch_floating(dtype, "uniform", [&](auto tag) {
        fill(tag, make_uniform_draw<typename decltype(tag)::type>(draw.x, draw.y));
      });
    case RandomDraw::Kind::Normal:
      return dispatch_floating(dtype, "normal", [&](auto tag) {
        fill(tag, make_normal_draw<typename decltype(tag)::type>(draw.x, draw.y));
      });
    case RandomDraw::Kind::Bernoulli:
      return dispatch_all(
          dtype, [&](auto tag) { fill(tag, make_bernoulli_draw<typename decltype(tag)::type>(draw.x)); });
    case RandomDraw::Kind::Randint:
      return dispatch_all(dtype, [&](auto tag) {
        fill(tag, make_randint_draw<typename decltype(tag)::type>(draw.low, draw.high));
      });
  }
}

}  // namespace minidl::kernels
