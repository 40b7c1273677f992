// Finite-difference gradient checker (float64, CPU): compares the gradients that
// autograd computes for L = sum(w * f(inputs)), w random, with central differences
// (L(x+eps) - L(x-eps)) / 2eps of every element of every input that requires grad.
// Inputs may be non-contiguous views but must not overlap themselves (no expand()).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <sstream>
#include <vector>

#include "core/autograd.h"
#include "core/tensor.h"

namespace minidl::test {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-6;
  double rtol = 1e-4;
  unsigned seed = 1234;
};

using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;

namespace detail {
inline std::vector<int64_t> element_offsets(const Tensor& t) {
  std::vector<int64_t> offsets;
  offsets.reserve(static_cast<std::size_t>(t.numel()));
  const Shape& shape = t.shape();
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t n = 0; n < t.numel(); ++n) {
    int64_t offset = t.storage_offset();
    for (std::size_t d = 0; d < shape.size(); ++d) offset += index[d] * t.strides()[d];
    offsets.push_back(offset);
    for (std::size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return offsets;
}

inline double weighted_sum(const Tensor& y, const std::vector<double>& w) {
  const std::vector<double> values = y.to_vector<double>();
  double total = 0;
  for (std::size_t i = 0; i < values.size(); ++i) total += w[i] * values[i];
  return total;
}
}  // namespace detail

inline ::testing::AssertionResult gradcheck(const TensorFn& f, const std::vector<Tensor>& inputs,
                                            GradcheckOptions options = {}) {
  for (const Tensor& x : inputs) {
    if (!x.defined() || !x.requires_grad()) continue;
    if (x.dtype() != DType::Float64 || !x.device().is_cpu())
      return ::testing::AssertionFailure() << "gradcheck needs CPU float64 inputs, got " << x.dtype() << " on "
                                           << x.device();
    x.set_grad(Tensor());
  }
  const Tensor y = f(inputs);
  if (!y.requires_grad()) return ::testing::AssertionFailure() << "the output does not require grad";
  std::mt19937 rng(options.seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> w(static_cast<std::size_t>(y.numel()));
  for (double& v : w) v = dist(rng);
  y.backward(from_vector<double>(w, y.shape()).to(y.dtype()));

  autograd::NoGradGuard no_grad;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& x = inputs[k];
    if (!x.defined() || !x.requires_grad()) continue;
    const std::vector<double> analytic =
        x.grad().defined() ? x.grad().to_vector<double>() : std::vector<double>(x.numel(), 0.0);
    double* base = static_cast<double*>(x.storage().data());
    const std::vector<int64_t> offsets = detail::element_offsets(x);
    for (std::size_t j = 0; j < offsets.size(); ++j) {
      double& slot = base[offsets[j]];
      const double original = slot;
      slot = original + options.eps;
      const double plus = detail::weighted_sum(f(inputs), w);
      slot = original - options.eps;
      const double minus = detail::weighted_sum(f(inputs), w);
      slot = original;
      const double numeric = (plus - minus) / (2 * options.eps);
      if (std::abs(analytic[j] - numeric) > options.atol + options.rtol * std::abs(numeric))
        return ::testing::AssertionFailure() << "input " << k << " element " << j << ": autograd " << analytic[j]
                                             << " vs finite difference " << numeric;
    }
  }
  return ::testing::AssertionSuccess();
}

/// A CPU float64 leaf with uniform values in [low, high), for gradient checks.
inline Tensor random_leaf(const Shape& shape, unsigned seed, double low = -1.0, double high = 1.0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(low, high);
  std::vector<double> values(static_cast<std::size_t>(shape_numel(shape)));
  for (double& v : values) v = dist(rng);
  Tensor t = from_vector<double>(values, shape);
  t.requires_grad_(true);
  return t;
}

}  // namespace minidl::test
