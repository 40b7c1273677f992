// Per-element formulas of the element-wise ops and their derivatives, written once
// for both backends. T is the arithmetic type (kernels/dispatch.h acc_t: float for
// 16-bit floats). Unary: fwd(x) -> y, bwd(x, y, g) -> g*dy/dx. Binary: fwd(a, b),
// bwd_a/bwd_b(a, b, g). Ternary: fwd(a, b, c). kDTypes says which dtypes an op takes.
// Formulas follow PyTorch (GELU: exact erf form; maximum splits ties evenly).
#pragma once

#include <math.h>

#include <type_traits>

#include "core/host_device.h"

namespace minidl::kernels {

/// Which dtypes an op is defined on; others are promoted (integers to float32) or refused.
enum class OpDTypes { Floating, Arithmetic, All };

namespace math {
// The C names exist both in the host C library and as CUDA device functions.
MINIDL_HD_INLINE float exp(float x) { return ::expf(x); }
MINIDL_HD_INLINE double exp(double x) { return ::exp(x); }
MINIDL_HD_INLINE float log(float x) { return ::logf(x); }
MINIDL_HD_INLINE double log(double x) { return ::log(x); }
MINIDL_HD_INLINE float sqrt(float x) { return ::sqrtf(x); }
MINIDL_HD_INLINE double sqrt(double x) { return ::sqrt(x); }
MINIDL_HD_INLINE float tanh(float x) { return ::tanhf(x); }
MINIDL_HD_INLINE double tanh(double x) { return ::tanh(x); }
MINIDL_HD_INLINE float erf(float x) { return ::erff(x); }
MINIDL_HD_INLINE double erf(double x) { return ::erf(x); }
MINIDL_HD_INLINE float pow(float x, float e) { return ::powf(x, e); }
MINIDL_HD_INLINE double pow(double x, double e) { return ::pow(x, e); }
MINIDL_HD_INLINE float fabs(float x) { return ::fabsf(x); }
MINIDL_HD_INLINE double fabs(double x) { return ::fabs(x); }
template <typename T> MINIDL_HD_INLINE bool isnan(T x) { return x != x; }
template <typename T> MINIDL_HD_INLINE T sign(T x) { return static_cast<T>((T(0) < x) - (x < T(0))); }
}  // namespace math

// ---- unary ----
struct Neg {
  static constexpr OpDTypes kDTypes = OpDTypes::Arithmetic;
  template <typename T> MINIDL_HD_INLINE T fwd(T x) const { return static_cast<T>(-x); }
  template <typename T> MINIDL_HD_INLINE T bwd(T, T, T g) const { return -g; }
};

struct Exp {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  template <typename T> MINIDL_HD_INLINE T fwd(T x) const { return math::exp(x); }
  template <typename T> MINIDL_HD_INLINE T bwd(T, T y, T g) const { return g * y; }
};

struct Log {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  template <typename T> MINIDL_HD_INLINE T fwd(T x) const { return math::log(x); }
  template <typename T> MINIDL_HD_INLINE T bwd(T x, T, T g) const { return g / x; }
};

struct Sqrt {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  template <typename T> MINIDL_HD_INLINE T fwd(T x) const { return math::sqrt(x); }
  template <typename T> MINIDL_HD_INLINE T bwd(T, T y, T g) const { return g / (T(2) * y); }
};

struct Abs {
  static constexpr OpDTypes kDTypes = OpDTypes::Arithmetic;
  template <typename T> MINIDL_HD_INLINE T fwd(T x) const {
    if constexpr (std::is_floating_point_v<T>)
      return math::fabs(x);  // abs(-0.0) = +0.0
    else if constexpr (std::is_unsigned_v<T>)
      return x;
    else
      return x < T(0) ? static_cast<T>(-x) : x;
  }
  template <typename T> MINIDL_HD_INLINE T bwd(T x, T, T g) const { return g * math::sign(x); }
};

/// sign(0) = 0; the derivative is zero everywhere it exists.
struct Sign {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  template <typename T> MINIDL_HD_INLINE T fwd(T x) const { return math::sign(x); }
  template <typename T> MINIDL_HD_INLINE T bwd(T, T, T) const { return T(0); }
};

/// x^exponent; the gradient is 0 for exponent 0 (as PyTorch), even at x = 0.
struct Pow {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  double exponent;
  template <typename T> MINIDL_HD_INLINE T fwd(T x) const {
    if (exponent == 2) return x * x;  // exact, and the common case
    return math::pow(x, static_cast<T>(exponent));
  }
  template <typename T> MINIDL_HD_INLINE T bwd(T x, T, T g) const {
    if (exponent == 0) return T(0);
    if (exponent == 2) return T(2) * x * g;
    return g * static_cast<T>(exponent) * math::pow(x, static_cast<T>(exponent - 1));
  }
};

/// min(max(x, low), high) (so high wins when low > high); NaN passes through; the
/// gradient flows where low <= x <= high (PyTorch's rules).
struct Clamp {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  double low, high;
  template <typename T> MINIDL_HD_INLINE T fwd(T x) const {
    const T lo = static_cast<T>(low), hi = static_cast<T>(high);
    const T above = x < lo ? lo : x;
    return above > hi ? hi : above;
  }
  template <typename T> MINIDL_HD_INLINE T bwd(T x, T, T g) const {
    return x >= static_cast<T>(low) && x <= static_cast<T>(high) ? g : T(0);
  }
};

/// alpha*x + beta: the scalar forms of add, sub and mul.
struct Affine {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  double alpha, beta;
  template <typename T> MINIDL_HD_INLINE T fwd(T x) const {
    return static_cast<T>(alpha) * x + static_cast<T>(beta);
  }
  template <typename T> MINIDL_HD_INLINE T bwd(T, T, T g) const { return static_cast<T>(alpha) * g; }
};

/// numerator / x (a scalar divided by a tensor).
struct RDiv {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  double numerator;
  template <typename T> MINIDL_HD_INLINE T fwd(T x) const { return static_cast<T>(numerator) / x; }
  template <typename T> MINIDL_HD_INLINE T bwd(T x, T y, T g) const { return -g * y / x; }
};

/// NaN stays NaN (as PyTorch); the gradient at 0 is 0.
struct Relu {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  template <typename T> MINIDL_HD_INLINE T fwd(T x) const { return x <= T(0) ? T(0) : x; }
  template <typename T> MINIDL_HD_INLINE T bwd(T x, T, T g) const { return x > T(0) ? g : T(0); }
};

struct LeakyRelu {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  double negative_slope;
  template <typename T> MINIDL_HD_INLINE T fwd(T x) const {
    return x > T(0) ? x : static_cast<T>(negative_slope) * x;
  }
  template <typename T> MINIDL_HD_INLINE T bwd(T x, T, T g) const {
    return x > T(0) ? g : static_cast<T>(negative_slope) * g;
  }
};

/// exp only ever sees -|x|, so neither branch overflows for large |x|.
struct Sigmoid {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  template <typename T> MINIDL_HD_INLINE T fwd(T x) const {
    if (x >= T(0)) return T(1) / (T(1) + math::exp(-x));
    const T z = math::exp(x);
    return z / (T(1) + z);
  }
  template <typename T> MINIDL_HD_INLINE T bwd(T, T y, T g) const { return g * y * (T(1) - y); }
};

/// The library tanh saturates to ±1 without overflow.
struct Tanh {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  template <typename T> MINIDL_HD_INLINE T fwd(T x) const { return math::tanh(x); }
  template <typename T> MINIDL_HD_INLINE T bwd(T, T y, T g) const { return g * (T(1) - y * y); }
};

/// Exact GELU: x * Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2; d/dx = Phi(x) + x * phi(x).
struct Gelu {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  template <typename T> MINIDL_HD_INLINE static T cdf(T x) {
    return T(0.5) * (T(1) + math::erf(x * T(0.70710678118654752440)));
  }
  template <typename T> MINIDL_HD_INLINE T fwd(T x) const { return x * cdf(x); }
  template <typename T> MINIDL_HD_INLINE T bwd(T x, T, T g) const {
    const T pdf = T(0.39894228040143267794) * math::exp(T(-0.5) * x * x);
    return g * (cdf(x) + x * pdf);
  }
};

// ---- binary ----
/// a + alpha*b (add: alpha = 1, sub: alpha = -1).
struct Add {
  static constexpr OpDTypes kDTypes = OpDTypes::Arithmetic;
  static constexpr bool kLinear = true;  // gradients are constant multiples of g
  double alpha;
  template <typename T> MINIDL_HD_INLINE T fwd(T a, T b) const {
    // ±1 spelled out: exact, and no negative double is ever cast to an unsigned type.
    if (alpha == 1) return static_cast<T>(a + b);
    if (alpha == -1) return static_cast<T>(a - b);
    return static_cast<T>(a + static_cast<T>(alpha) * b);
  }
  template <typename T> MINIDL_HD_INLINE T bwd_a(T, T, T g) const { return g; }
  template <typename T> MINIDL_HD_INLINE T bwd_b(T, T, T g) const { return static_cast<T>(alpha) * g; }
};

struct Mul {
  static constexpr OpDTypes kDTypes = OpDTypes::Arithmetic;
  template <typename T> MINIDL_HD_INLINE T fwd(T a, T b) const { return static_cast<T>(a * b); }
  template <typename T> MINIDL_HD_INLINE T bwd_a(T, T b, T g) const { return g * b; }
  template <typename T> MINIDL_HD_INLINE T bwd_b(T a, T, T g) const { return g * a; }
};

struct Div {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  template <typename T> MINIDL_HD_INLINE T fwd(T a, T b) const { return a / b; }
  template <typename T> MINIDL_HD_INLINE T bwd_a(T, T b, T g) const { return g / b; }
  template <typename T> MINIDL_HD_INLINE T bwd_b(T a, T b, T g) const { return -g * a / (b * b); }
};

/// NaN wins; on a tie each side gets half the gradient.
struct Maximum {
  static constexpr OpDTypes kDTypes = OpDTypes::Arithmetic;
  template <typename T> MINIDL_HD_INLINE T fwd(T a, T b) const {
    if (math::isnan(a)) return a;
    return (math::isnan(b) || b > a) ? b : a;
  }
  template <typename T> MINIDL_HD_INLINE T bwd_a(T a, T b, T g) const {
    return a > b ? g : (a == b ? g * T(0.5) : T(0));
  }
  template <typename T> MINIDL_HD_INLINE T bwd_b(T a, T b, T g) const { return bwd_a(b, a, g); }
};

struct Minimum {
  static constexpr OpDTypes kDTypes = OpDTypes::Arithmetic;
  template <typename T> MINIDL_HD_INLINE T fwd(T a, T b) const {
    if (math::isnan(a)) return a;
    return (math::isnan(b) || b < a) ? b : a;
  }
  template <typename T> MINIDL_HD_INLINE T bwd_a(T a, T b, T g) const {
    return a < b ? g : (a == b ? g * T(0.5) : T(0));
  }
  template <typename T> MINIDL_HD_INLINE T bwd_b(T a, T b, T g) const { return bwd_a(b, a, g); }
};

/// a + weight*(b - a), evaluated from the nearer end as PyTorch does (exact at 0 and 1).
struct Lerp {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  static constexpr bool kLinear = true;
  double weight;
  template <typename T> MINIDL_HD_INLINE T fwd(T a, T b) const {
    const T w = static_cast<T>(weight);
    return weight < 0.5 ? a + w * (b - a) : b - (b - a) * (T(1) - w);
  }
  template <typename T> MINIDL_HD_INLINE T bwd_a(T, T, T g) const { return static_cast<T>(1 - weight) * g; }
  template <typename T> MINIDL_HD_INLINE T bwd_b(T, T, T g) const { return static_cast<T>(weight) * g; }
};

struct Eq {
  static constexpr OpDTypes kDTypes = OpDTypes::All;
  template <typename T> MINIDL_HD_INLINE bool fwd(T a, T b) const { return a == b; }
};
struct Gt {
  static constexpr OpDTypes kDTypes = OpDTypes::All;
  template <typename T> MINIDL_HD_INLINE bool fwd(T a, T b) const { return a > b; }
};
struct Lt {
  static constexpr OpDTypes kDTypes = OpDTypes::All;
  template <typename T> MINIDL_HD_INLINE bool fwd(T a, T b) const { return a < b; }
};

// ---- ternary (forward only: their gradients are built from the ops above) ----
/// cond != 0 ? a : b (cond arrives in the computation type).
struct Where {
  static constexpr OpDTypes kDTypes = OpDTypes::All;
  template <typename T> MINIDL_HD_INLINE T fwd(T cond, T a, T b) const { return cond != T(0) ? a : b; }
};

/// self + value * t1 * t2 (the Adam second-moment update).
struct Addcmul {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  double value;
  template <typename T> MINIDL_HD_INLINE T fwd(T self, T t1, T t2) const {
    return self + static_cast<T>(value) * t1 * t2;
  }
};

/// self + value * t1 / t2 (the Adam parameter update).
struct Addcdiv {
  static constexpr OpDTypes kDTypes = OpDTypes::Floating;
  double value;
  template <typename T> MINIDL_HD_INLINE T fwd(T self, T t1, T t2) const {
    return self + static_cast<T>(value) * t1 / t2;
  }
};

// ---- adaptors: one call shape per kind of kernel ----
template <typename F> struct Forward1 {
  F f;
  template <typename T> MINIDL_HD_INLINE auto operator()(T x) const { return f.fwd(x); }
};
template <typename F> struct Backward1 {
  F f;
  template <typename T> MINIDL_HD_INLINE T operator()(T x, T y, T g) const { return f.bwd(x, y, g); }
};
template <typename F> struct Forward2 {
  F f;
  template <typename T> MINIDL_HD_INLINE auto operator()(T a, T b) const { return f.fwd(a, b); }
};
/// The gradient of input 0 (a) or 1 (b) of a binary op.
template <typename F, int kInput> struct Backward2 {
  F f;
  template <typename T> MINIDL_HD_INLINE T operator()(T a, T b, T g) const {
    if constexpr (kInput == 0)
      return f.bwd_a(a, b, g);
    else
      return f.bwd_b(a, b, g);
  }
};
template <typename F> struct Forward3 {
  F f;
  template <typename T> MINIDL_HD_INLINE auto operator()(T a, T b, T c) const { return f.fwd(a, b, c); }
};

}  // namespace minidl::kernels
