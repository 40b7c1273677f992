// Float64 references of the optimizer steps for the kernel tests, written from the
// textbook forms of docs/formulas.md independently of kernels/math/optim.h (Adam with
// bias-corrected moments m/(1-b1^t) and v/(1-b2^t); AdaGrad's decayed lr spelled out),
// plus the inputs shared with tests/kernels/golden/make_optim_golden.py.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/math/optim.h"

namespace minidl::test {

/// One element of a parameter and its optimizer state: SGD b=s1; AdaGrad sum=s1;
/// RMSProp v=s1, momentum buffer=s2, mean of g=s3; Adam m=s1, v=s2, max v=s3.
struct RefElement {
  double p = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
};

inline double ref_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }

inline void ref_sgd(RefElement& e, double g, const kernels::SgdParams& hp, int64_t t, double lr) {
  double d = g + hp.weight_decay * e.p + hp.l1 * ref_sign(e.p);
  if (hp.momentum != 0.0) {
    e.s1 = t == 1 ? d : hp.momentum * e.s1 + (1.0 - hp.dampening) * d;
    d = hp.nesterov ? d + hp.momentum * e.s1 : e.s1;
  }
  e.p -= lr * d;
}

inline void ref_adagrad(RefElement& e, double g, const kernels::AdagradParams& hp, int64_t t, double lr) {
  const double d = g + hp.weight_decay * e.p + hp.l1 * ref_sign(e.p);
  if (t == 1) e.s1 = hp.initial_accumulator_value;
  e.s1 += d * d;
  const double decayed_lr = lr / (1.0 + static_cast<double>(t - 1) * hp.lr_decay);
  e.p -= decayed_lr * d / (std::sqrt(e.s1) + hp.eps);
}

inline void ref_rmsprop(RefElement& e, double g, const kernels::RmspropParams& hp, int64_t t, double lr) {
  if (t == 1) e.s1 = e.s2 = e.s3 = 0.0;
  const double d = g + hp.weight_decay * e.p + hp.l1 * ref_sign(e.p);
  e.s1 = hp.alpha * e.s1 + (1.0 - hp.alpha) * d * d;
  double variance = e.s1;
  if (hp.centered) {
    e.s3 = hp.alpha * e.s3 + (1.0 - hp.alpha) * d;
    variance -= e.s3 * e.s3;
  }
  const double denom = std::sqrt(variance) + hp.eps;
  if (hp.momentum != 0.0) {
    e.s2 = hp.momentum * e.s2 + d / denom;
    e.p -= lr * e.s2;
  } else {
    e.p -= lr * d / denom;
  }
}

inline void ref_adam(RefElement& e, double g, const kernels::AdamParams& hp, int64_t t, double lr) {
  if (t == 1) e.s1 = e.s2 = e.s3 = 0.0;
  const double l2 = hp.decoupled_weight_decay ? 0.0 : hp.weight_decay;
  const double d = g + l2 * e.p + hp.l1 * ref_sign(e.p);
  if (hp.decoupled_weight_decay) e.p -= lr * hp.weight_decay * e.p;
  e.s1 = hp.beta1 * e.s1 + (1.0 - hp.beta1) * d;
  e.s2 = hp.beta2 * e.s2 + (1.0 - hp.beta2) * d * d;
  e.s3 = std::max(e.s3, e.s2);
  const double m_hat = e.s1 / (1.0 - std::pow(hp.beta1, static_cast<double>(t)));
  const double v_hat = (hp.amsgrad ? e.s3 : e.s2) / (1.0 - std::pow(hp.beta2, static_cast<double>(t)));
  e.p -= lr * m_hat / (std::sqrt(v_hat) + hp.eps);
}

using kernels::as_adam;

/// The inputs of the golden trajectories (see make_optim_golden.py): exact in float32.
inline double golden_value(int64_t i, int64_t t, int64_t salt) {
  return static_cast<double>((i * 2654435761LL + t * 40503 + salt * 9973) % 65536) / 32768.0 - 1.0;
}
inline double golden_grad_scale(int64_t t) { return static_cast<double>(1 + (7 * t) % 5); }

/// |got - want| <= rtol*|want| + atol, element by element; returns the first failure's index or -1.
inline int64_t first_mismatch(const std::vector<double>& got, const std::vector<double>& want, double rtol,
                              double atol) {
  if (got.size() != want.size()) return 0;
  for (std::size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(got[i] - want[i]) <= rtol * std::fabs(want[i]) + atol)) return static_cast<int64_t>(i);
  return -1;
}

}  // namespace minidl::test
