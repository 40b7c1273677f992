// Per-element optimizer updates of torch.optim (docs/formulas.md): SGD (momentum,
// dampening, Nesterov), AdaGrad, RMSProp (momentum, centered), Adam/AdamW (amsgrad),
// each with an optional L1 term l1*sign(p) added to g. Written once for the CPU loops
// and the CUDA kernels: the per-step scalars (bias corrections, decayed lr) are made in
// double by *_coeffs<T>, the per-element arithmetic runs in T (float for fp32, double for fp64).
#pragma once

#include <cmath>
#include <cstdint>

#include "core/host_device.h"

namespace minidl::kernels {

// ---- hyperparameters (PyTorch's names and defaults) ----

struct SgdParams {
  double lr = 0.0;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  double l1 = 0.0;
  bool nesterov = false;
};

struct AdagradParams {
  double lr = 1e-2;
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
  double l1 = 0.0;
};

struct RmspropParams {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
  double l1 = 0.0;
};

/// Adam; with decoupled_weight_decay it is AdamW (p *= 1 - lr*wd before the step).
struct AdamParams {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool amsgrad = false;
  bool decoupled_weight_decay = false;
  double l1 = 0.0;
};

/// AdamW's defaults differ from Adam's only in weight_decay (1e-2).
struct AdamWParams {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
  double l1 = 0.0;
};

/// AdamW as Adam with decoupled weight decay: the parameters the Adam step runs with.
inline AdamParams as_adam(const AdamWParams& hp) {
  return {.lr = hp.lr,
          .beta1 = hp.beta1,
          .beta2 = hp.beta2,
          .eps = hp.eps,
          .weight_decay = hp.weight_decay,
          .amsgrad = hp.amsgrad,
          .decoupled_weight_decay = true,
          .l1 = hp.l1};
}

// ---- scalars that may live in device memory ----

enum class ScalarKind : uint8_t { Float32, Float64, Int64 };

/// The step count or learning rate of a step: `value`, or the number at `ptr` (memory of
/// the tensors' device) when ptr is set, so a step needs no host sync and can be captured.
struct ScalarRef {
  double value = 0.0;
  const void* ptr = nullptr;
  ScalarKind kind = ScalarKind::Float64;

  MINIDL_HD_INLINE double get() const {
    if (ptr == nullptr) return value;
    switch (kind) {
      case ScalarKind::Float32: return static_cast<double>(*static_cast<const float*>(ptr));
      case ScalarKind::Int64: return static_cast<double>(*static_cast<const int64_t*>(ptr));
      default: return *static_cast<const double*>(ptr);
    }
  }
};

/// lr and t of one step (t = 1 on the first step: state buffers are then written without
/// being read, so a fresh optimizer's state needs no initialization).
struct StepRefs {
  ScalarRef lr;
  ScalarRef step;
};

// ---- helpers ----

namespace detail {
MINIDL_HD_INLINE float opt_sqrt(float x) {
#if defined(__CUDA_ARCH__)
  return sqrtf(x);
#else
  return std::sqrt(x);
#endif
}
MINIDL_HD_INLINE double opt_sqrt(double x) {
#if defined(__CUDA_ARCH__)
  return ::sqrt(x);
#else
  return std::sqrt(x);
#endif
}
MINIDL_HD_INLINE double opt_pow(double base, double exponent) {
#if defined(__CUDA_ARCH__)
  return ::pow(base, exponent);
#else
  return std::pow(base, exponent);
#endif
}
}  // namespace detail

/// -1, 0 or 1 (sign(0) = 0, so L1 never pushes a zero weight).
template <typename T> MINIDL_HD_INLINE T sign_of(T x) { return static_cast<T>((x > T(0)) - (x < T(0))); }

/// g + wd*p + l1*sign(p); the terms are skipped when zero, as PyTorch skips weight decay.
template <typename T> MINIDL_HD_INLINE T regularized_grad(T g, T p, T weight_decay, T l1) {
  if (weight_decay != T(0)) g = g + weight_decay * p;
  if (l1 != T(0)) g = g + l1 * sign_of(p);
  return g;
}

// ---- SGD: b = g (t=1) or mu*b + (1-dampening)*g; g = nesterov ? g + mu*b : b; p -= lr*g ----

template <typename T> struct SgdCoeffs {
  T lr, momentum, keep, weight_decay, l1;  // keep = 1 - dampening
  bool nesterov, first;
};

template <typename T> MINIDL_HD_INLINE SgdCoeffs<T> sgd_coeffs(const SgdParams& hp, double lr, double step) {
  return {T(lr),       T(hp.momentum), T(1.0 - hp.dampening), T(hp.weight_decay), T(hp.l1),
          hp.nesterov, step <= 1.0};
}

/// Plain SGD (momentum = 0): no buffer.
template <typename T> MINIDL_HD_INLINE void sgd_update(const SgdCoeffs<T>& c, T& p, T g) {
  g = regularized_grad(g, p, c.weight_decay, c.l1);
  p = p - c.lr * g;
}

template <typename T> MINIDL_HD_INLINE void sgd_momentum_update(const SgdCoeffs<T>& c, T& p, T g, T& buf) {
  g = regularized_grad(g, p, c.weight_decay, c.l1);
  buf = c.first ? g : c.momentum * buf + c.keep * g;
  g = c.nesterov ? g + c.momentum * buf : buf;
  p = p - c.lr * g;
}

// ---- AdaGrad: clr = lr/(1+(t-1)*lr_decay); s += g*g; p -= clr*g/(sqrt(s)+eps) ----

template <typename T> struct AdagradCoeffs {
  T clr, eps, weight_decay, l1, initial;
  bool first;
};

template <typename T>
MINIDL_HD_INLINE AdagradCoeffs<T> adagrad_coeffs(const AdagradParams& hp, double lr, double step) {
  const double clr = lr / (1.0 + (step - 1.0) * hp.lr_decay);
  return {T(clr), T(hp.eps), T(hp.weight_decay), T(hp.l1), T(hp.initial_accumulator_value), step <= 1.0};
}

template <typename T> MINIDL_HD_INLINE void adagrad_update(const AdagradCoeffs<T>& c, T& p, T g, T& sum) {
  g = regularized_grad(g, p, c.weight_decay, c.l1);
  sum = (c.first ? c.initial : sum) + g * g;
  p = p - c.clr * (g / (detail::opt_sqrt(sum) + c.eps));
}

// ---- RMSProp: v = alpha*v + (1-alpha)*g^2; d = sqrt(v [- a^2]) + eps; p -= lr*(b or g/d) ----

template <typename T> struct RmspropCoeffs {
  T lr, alpha, one_minus_alpha, eps, weight_decay, l1, momentum;
  bool first;
};

template <typename T>
MINIDL_HD_INLINE RmspropCoeffs<T> rmsprop_coeffs(const RmspropParams& hp, double lr, double step) {
  return {T(lr),    T(hp.alpha),    T(1.0 - hp.alpha), T(hp.eps), T(hp.weight_decay),
          T(hp.l1), T(hp.momentum), step <= 1.0};
}

/// `avg` (the centered mean of g) and `buf` (momentum) are used only when the flags say so.
template <bool kMomentum, bool kCentered, typename T>
MINIDL_HD_INLINE void rmsprop_update(const RmspropCoeffs<T>& c, T& p, T g, T& square_avg, T& grad_avg,
                                     T& buf) {
  g = regularized_grad(g, p, c.weight_decay, c.l1);
  square_avg = c.alpha * (c.first ? T(0) : square_avg) + c.one_minus_alpha * (g * g);
  T denom;
  if constexpr (kCentered) {
    grad_avg = c.alpha * (c.first ? T(0) : grad_avg) + c.one_minus_alpha * g;
    denom = detail::opt_sqrt(square_avg - grad_avg * grad_avg) + c.eps;
  } else {
    denom = detail::opt_sqrt(square_avg) + c.eps;
  }
  if constexpr (kMomentum) {
    buf = c.momentum * (c.first ? T(0) : buf) + g / denom;
    p = p - c.lr * buf;
  } else {
    p = p - c.lr * (g / denom);
  }
}

// ---- Adam/AdamW: m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; p -= lr/bc1 * m/(sqrt(v)/sqrt(bc2)+eps) ----

template <typename T> struct AdamCoeffs {
  T beta1, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay, l1;
  T step_size;     // lr / (1 - beta1^t)
  T bc2_sqrt;      // sqrt(1 - beta2^t)
  T decay_factor;  // AdamW: 1 - lr*wd (1 for Adam)
  bool first;
};

template <typename T>
MINIDL_HD_INLINE AdamCoeffs<T> adam_coeffs(const AdamParams& hp, double lr, double step) {
  const double bc1 = 1.0 - detail::opt_pow(hp.beta1, step);
  const double bc2 = 1.0 - detail::opt_pow(hp.beta2, step);
  const bool decoupled = hp.decoupled_weight_decay;
  return {T(hp.beta1),
          T(1.0 - hp.beta1),
          T(hp.beta2),
          T(1.0 - hp.beta2),
          T(hp.eps),
          T(decoupled ? 0.0 : hp.weight_decay),
          T(hp.l1),
          T(lr / bc1),
          T(detail::opt_sqrt(bc2)),
          T(decoupled ? 1.0 - lr * hp.weight_decay : 1.0),
          step <= 1.0};
}

/// `max_sq` (the running maximum of v) is used only with kAmsgrad.
template <bool kAmsgrad, typename T>
MINIDL_HD_INLINE void adam_update(const AdamCoeffs<T>& c, T& p, T g, T& m, T& v, T& max_sq) {
  g = regularized_grad(g, p, c.weight_decay, c.l1);  // L1 sign from p before AdamW's decay
  p = p * c.decay_factor;
  m = c.beta1 * (c.first ? T(0) : m) + c.one_minus_beta1 * g;
  v = c.beta2 * (c.first ? T(0) : v) + c.one_minus_beta2 * (g * g);
  T second = v;
  if constexpr (kAmsgrad) {
    const T previous = c.first ? T(0) : max_sq;
    max_sq = previous > v ? previous : v;
    second = max_sq;
  }
  const T denom = detail::opt_sqrt(second) / c.bc2_sqrt + c.eps;
  p = p - c.step_size * (m / denom);
}

}  // namespace minidl::kernels
