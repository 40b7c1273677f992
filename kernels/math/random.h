// Per-element random draws, written once for the CPU and CUDA backends (random
// ops, dropout, augmentation). Element i of an op with (seed, offset) takes word
// i%4 of the Philox4x32-10 block at counter offset + i/4 (kernels/math/philox.h;
// Salmon et al. 2011, Random123), so a value depends on (seed, offset, i) only.
// Box–Muller's log/sin/cos are built here from IEEE-exact + - * / sqrt fma, never libm/CUDA's.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/half.h"
#include "core/host_device.h"
#include "core/philox_seed.h"
#include "kernels/math/cast.h"
#include "kernels/math/philox.h"

// Bit-identical results need every operation rounded the same way on both sides. The
// C library's and CUDA's log/sin/cos differ in the last bit, so the ones below are our
// own, evaluated only with correctly rounded operations. Every product that meets an
// addition is an explicit fma: then no compiler can fuse (contract) differently on the
// CPU and the GPU (checked: the PTX is the same with -fmad=false, but for 1 - u, whose
// product is exact). On the device the _rn intrinsics keep --use_fast_math from swapping in
// approximations; its flush-to-zero could still differ, so the library is built without it.

namespace minidl::kernels {

/// Arithmetic type of the draws: double for double tensors, float for everything else.
template <typename T> using draw_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

namespace detail {
MINIDL_HD_INLINE float fma_rn(float a, float b, float c) {
#if defined(__CUDA_ARCH__)
  return __fmaf_rn(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}
MINIDL_HD_INLINE double fma_rn(double a, double b, double c) {
#if defined(__CUDA_ARCH__)
  return __fma_rn(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}
MINIDL_HD_INLINE float div_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}
MINIDL_HD_INLINE double div_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __ddiv_rn(a, b);
#else
  return a / b;
#endif
}
MINIDL_HD_INLINE float sqrt_rn(float a) {
#if defined(__CUDA_ARCH__)
  return __fsqrt_rn(a);
#else
  return std::sqrt(a);
#endif
}
MINIDL_HD_INLINE double sqrt_rn(double a) {
#if defined(__CUDA_ARCH__)
  return __dsqrt_rn(a);
#else
  return std::sqrt(a);
#endif
}
MINIDL_HD_INLINE uint64_t double_bits(double d) {
#if defined(__CUDA_ARCH__)
  return static_cast<uint64_t>(__double_as_longlong(d));
#else
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
#endif
}
MINIDL_HD_INLINE double bits_double(uint64_t u) {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(static_cast<long long>(u));
#else
  double d;
  std::memcpy(&d, &u, sizeof d);
  return d;
#endif
}
}  // namespace detail

// ---- words to uniforms ----

/// [0, 1): the top 24 bits of w, (w >> 8) * 2^-24; never 1, 0 with probability 2^-24.
MINIDL_HD_INLINE float uniform_float(uint32_t w) { return static_cast<float>(w >> 8) * 0x1p-24f; }

/// (0, 1): (w + 0.5) * 2^-32, exact in double, from 2^-33 to 1 - 2^-33: never 0 nor 1, so a log
/// may follow. One word per element keeps the index contract, hence 32 random bits, not 53.
MINIDL_HD_INLINE double uniform_double(uint32_t w) { return (static_cast<double>(w) + 0.5) * 0x1p-32; }

/// uniform_float or uniform_double by the draw type A.
template <typename A> MINIDL_HD_INLINE A uniform01(uint32_t w) {
  if constexpr (std::is_same_v<A, double>)
    return uniform_double(w);
  else
    return uniform_float(w);
}

/// The threshold of bernoulli_draw: ceil(prob * 2^32), so that w < threshold  <=>  w * 2^-32 < prob
/// (the 32-bit uniform below prob). prob in [0, 1]; prob 1 gives 2^32: always true.
inline uint64_t bernoulli_threshold(double prob) { return static_cast<uint64_t>(std::ceil(prob * 0x1p32)); }
/// True with probability prob (see bernoulli_threshold): the same mask whatever the dtype.
MINIDL_HD_INLINE bool bernoulli_draw(uint32_t w, uint64_t threshold) { return w < threshold; }

/// low + w % range for range in [1, 2^32] (range32 = range mod 2^32, so 0 means 2^32). The
/// modulo favours the first 2^32 mod range values, each by at most range / 2^32 relative.
MINIDL_HD_INLINE int64_t randint_draw(uint32_t w, int64_t low, uint32_t range32) {
  return low + static_cast<int64_t>(range32 == 0 ? w : w % range32);
}

// ---- log, sin, cos from correctly rounded operations (fdlibm's kernels) ----

/// Natural log of a positive normal float (fdlibm e_logf.c reduction and polynomial).
MINIDL_HD_INLINE float log_float(float x) {
  using detail::fma_rn;
  uint32_t ix = minidl::detail::float_bits(x);
  ix += 0x3f800000u - 0x3f3504f3u;  // reduce x to m * 2^k, m in [sqrt(2)/2, sqrt(2))
  const int k = static_cast<int>(ix >> 23) - 0x7f;
  ix = (ix & 0x007fffffu) + 0x3f3504f3u;
  const float f = minidl::detail::bits_float(ix) - 1.0f;
  const float hf = 0.5f * f;
  const float s = detail::div_rn(f, 2.0f + f);
  const float z = s * s, w = z * z;
  const float t1 = w * fma_rn(w, 0x1.f13c4cp-3f, 0x1.999c26p-2f);
  const float r = fma_rn(z, fma_rn(w, 0x1.23d3dcp-2f, 0x1.555554p-1f), t1);
  const float dk = static_cast<float>(k);
  // s*(hf*f + r) + dk*ln2_lo - hf*f + f + dk*ln2_hi
  const float a = fma_rn(s, fma_rn(hf, f, r), dk * 9.0580006145e-06f);
  return fma_rn(dk, 6.9313812256e-01f, fma_rn(-hf, f, a) + f);
}

/// Natural log of a positive normal double (fdlibm e_log.c reduction and polynomial).
MINIDL_HD_INLINE double log_double(double x) {
  using detail::fma_rn;
  uint64_t ix = detail::double_bits(x);
  uint32_t hx = static_cast<uint32_t>(ix >> 32) + (0x3ff00000u - 0x3fe6a09eu);
  const int k = static_cast<int>(hx >> 20) - 0x3ff;
  hx = (hx & 0x000fffffu) + 0x3fe6a09eu;
  ix = static_cast<uint64_t>(hx) << 32 | (ix & 0xffffffffu);
  const double f = detail::bits_double(ix) - 1.0;
  const double hf = 0.5 * f;
  const double s = detail::div_rn(f, 2.0 + f);
  const double z = s * s, w = z * z;
  const double t1 =
      w * fma_rn(w, fma_rn(w, 1.531383769920937332e-01, 2.222219843214978396e-01), 3.999999999940941908e-01);
  const double t2 = fma_rn(
      w, fma_rn(w, fma_rn(w, 1.479819860511658591e-01, 1.818357216161805012e-01), 2.857142874366239149e-01),
      6.666666666666735130e-01);
  const double r = fma_rn(z, t2, t1);
  const double dk = static_cast<double>(k);
  const double a = fma_rn(s, fma_rn(hf, f, r), dk * 1.90821492927058770002e-10);
  return fma_rn(dk, 6.93147180369123816490e-01, fma_rn(-hf, f, a) + f);
}

/// sin and cos of x in [-pi/4, pi/4] (fdlibm k_sinf/k_cosf polynomials, coefficients rounded to float).
MINIDL_HD_INLINE void sincos_kernel(float x, float* sin_x, float* cos_x) {
  using detail::fma_rn;
  const float z = x * x;
  const float ps =
      fma_rn(z, fma_rn(z, fma_rn(z, 0x1.6cd878p-19f, -0x1.a00f9ep-13f), 0x1.111108p-7f), -0x1.555556p-3f);
  *sin_x = fma_rn(x * z, ps, x);
  const float pc = fma_rn(z, fma_rn(z, fma_rn(z, 0x1.99342ep-16f, -0x1.6c087ep-10f), 0x1.55553ep-5f), -0.5f);
  *cos_x = fma_rn(z, pc, 1.0f);
}

/// sin and cos of x in [-pi/4, pi/4] (fdlibm k_sin/k_cos polynomials).
MINIDL_HD_INLINE void sincos_kernel(double x, double* sin_x, double* cos_x) {
  using detail::fma_rn;
  const double z = x * x;
  double p = fma_rn(z, 1.58969099521155010221e-10, -2.50507602534068634195e-08);
  p = fma_rn(z, p, 2.75573137070700676789e-06);
  p = fma_rn(z, p, -1.98412698298579493134e-04);
  p = fma_rn(z, p, 8.33333333332248946124e-03);
  p = fma_rn(z, p, -1.66666666666666324348e-01);
  *sin_x = fma_rn(x * z, p, x);
  double q = fma_rn(z, -1.13596475577881948265e-11, 2.08757232129817482790e-09);
  q = fma_rn(z, q, -2.75573143513906633035e-07);
  q = fma_rn(z, q, 2.48015872894767294178e-05);
  q = fma_rn(z, q, -1.38888888888741095749e-03);
  q = fma_rn(z, q, 4.16666666666666019037e-02);
  // 1 - z/2 + z^2 q, with the rounding error of 1 - z/2 (exact: 0.5z is) carried along.
  const double w = fma_rn(-0.5, z, 1.0);
  const double w_error = fma_rn(-0.5, z, 1.0 - w);
  *cos_x = w + fma_rn(z * z, q, w_error);
}

/// sin and cos of 2*pi * turns / 2^32. The quarter turn is taken from the integer, so the
/// polynomial only sees [-pi/4, pi/4] and no rounding of pi enters the reduction.
template <typename A> MINIDL_HD_INLINE void sincos_turns(uint32_t turns, A* sin_t, A* cos_t) {
  const uint32_t quadrant = (turns + 0x20000000u) >> 30;             // nearest quarter turn, mod 4
  const auto rest = static_cast<int32_t>(turns - (quadrant << 30));  // in [-2^29, 2^29)
  const A x = static_cast<A>(rest) * static_cast<A>(3.14159265358979323846 * 0x1p-31);
  A s, c;
  sincos_kernel(x, &s, &c);
  switch (quadrant) {
    case 0: *sin_t = s, *cos_t = c; break;
    case 1: *sin_t = c, *cos_t = -s; break;
    case 2: *sin_t = -s, *cos_t = -c; break;
    default: *sin_t = -c, *cos_t = s; break;
  }
}

/// Box–Muller: two standard normals from two words, r = sqrt(-2 log u1), theta = 2*pi*u2;
/// *z_cos = r cos(theta) (the even element), *z_sin = r sin(theta) (the odd one). float: u1 =
/// 1 - uniform_float in (0, 1], theta from the top 24 bits; double: both from all 32 bits.
template <typename A>
MINIDL_HD_INLINE void box_muller(uint32_t w_radius, uint32_t w_angle, A* z_cos, A* z_sin) {
  A r, s, c;
  if constexpr (std::is_same_v<A, double>) {
    r = detail::sqrt_rn(-2.0 * log_double(uniform_double(w_radius)));
    sincos_turns(w_angle, &s, &c);
  } else {
    r = detail::sqrt_rn(-2.0f * log_float(1.0f - uniform_float(w_radius)));
    sincos_turns(w_angle & 0xffffff00u, &s, &c);
  }
  *z_cos = r * c;
  *z_sin = r * s;
}

// ---- the draws of the random ops: four values of type T from one Philox block ----

/// U[low, high): low + (high - low) * u in the draw type; a value that rounds up to high (in T)
/// becomes the largest T below high, so the interval stays half-open.
template <typename T> struct UniformDraw {
  using A = draw_t<T>;
  A low, range, high;
  T below_high;
  MINIDL_HD_INLINE void operator()(const Philox4x32& block, T (&out)[4]) const {
    for (int j = 0; j < 4; ++j) {
      const T value = cast_value<T>(detail::fma_rn(range, uniform01<A>(block.v[j]), low));
      out[j] = static_cast<A>(widen(value)) >= high ? below_high : value;
    }
  }
};

/// N(mean, stddev^2): Box–Muller on words (0, 1) for elements 0, 1 and (2, 3) for 2, 3.
template <typename T> struct NormalDraw {
  using A = draw_t<T>;
  A mean, stddev;
  MINIDL_HD_INLINE void operator()(const Philox4x32& block, T (&out)[4]) const {
    for (int pair = 0; pair < 2; ++pair) {
      A z_cos, z_sin;
      box_muller(block.v[2 * pair], block.v[2 * pair + 1], &z_cos, &z_sin);
      out[2 * pair] = cast_value<T>(detail::fma_rn(stddev, z_cos, mean));
      out[2 * pair + 1] = cast_value<T>(detail::fma_rn(stddev, z_sin, mean));
    }
  }
};

/// 1 with probability prob, else 0 (threshold from bernoulli_threshold).
template <typename T> struct BernoulliDraw {
  uint64_t threshold;
  MINIDL_HD_INLINE void operator()(const Philox4x32& block, T (&out)[4]) const {
    for (int j = 0; j < 4; ++j) out[j] = cast_value<T>(bernoulli_draw(block.v[j], threshold) ? 1 : 0);
  }
};

/// Integers in [low, low + range) (see randint_draw).
template <typename T> struct RandintDraw {
  int64_t low;
  uint32_t range32;
  MINIDL_HD_INLINE void operator()(const Philox4x32& block, T (&out)[4]) const {
    for (int j = 0; j < 4; ++j) out[j] = cast_value<T>(randint_draw(block.v[j], low, range32));
  }
};

/// Writes elements 4*block .. 4*block+3 (those below n) of a contiguous dst: the whole
/// loop body of both backends, so their only difference is who runs which block.
template <typename T, typename Draw>
MINIDL_HD_INLINE void write_random_block(T* dst, int64_t n, int64_t block, uint64_t seed, uint64_t offset,
                                         const Draw& draw) {
  T values[4];
  draw(philox_block(seed, offset + static_cast<uint64_t>(block)), values);
  const int64_t first = 4 * block;
  const int64_t count = n - first < 4 ? n - first : 4;
  for (int64_t j = 0; j < count; ++j) dst[first + j] = values[j];
}

// ---- host: the draws of an op, built once so both backends get the same parameters ----

/// The largest T below v (v finite).
template <typename T> T next_below(T v) {
  if constexpr (is_16bit_float<T>) {
    uint16_t bits = v.bits;
    if ((bits & 0x7fffu) == 0)
      bits = 0x8001u;  // below +-0: the smallest negative subnormal
    else if (bits & 0x8000u)
      ++bits;
    else
      --bits;
    T below;
    below.bits = bits;
    return below;
  } else {
    return std::nextafter(v, -std::numeric_limits<T>::infinity());
  }
}

/// U[low, high) into T; low <= high, both finite (checked by the dispatcher).
template <typename T> UniformDraw<T> make_uniform_draw(double low, double high) {
  using A = draw_t<T>;
  const A lo = static_cast<A>(low), hi = static_cast<A>(high);
  T below = cast_value<T>(hi);
  while (static_cast<A>(widen(below)) >= hi) below = next_below(below);
  if (static_cast<A>(widen(below)) < lo) below = cast_value<T>(lo);  // low == high: always low
  return {lo, hi - lo, hi, below};
}
template <typename T> NormalDraw<T> make_normal_draw(double mean, double stddev) {
  return {static_cast<draw_t<T>>(mean), static_cast<draw_t<T>>(stddev)};
}
template <typename T> BernoulliDraw<T> make_bernoulli_draw(double prob) {
  return {bernoulli_threshold(prob)};
}
/// low < high and high - low <= 2^32 (checked by the dispatcher).
template <typename T> RandintDraw<T> make_randint_draw(int64_t low, int64_t high) {
  return {low, static_cast<uint32_t>(static_cast<uint64_t>(high) - static_cast<uint64_t>(low))};
}

using ::minidl::random_blocks;  // core/philox_seed.h

}  // namespace minidl::kernels
