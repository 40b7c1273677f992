// The per-element work of each multi-tensor kernel (optimizer steps, EMA, clipping's
// scale, unscaling), as functors shared by the CPU loop and the CUDA kernel. A functor
// says which lists it reads (kDepth: list 0 = param or grad, then state in order) and
// writes (kWriteMask); bind<A>() makes the per-step coefficients once per thread (it may
// read lr and t from device memory), and the bound object updates one element's values.
// EMA: e = decay*e + (1-decay)*p; clipping: g *= min(1, max_norm/(norm+1e-6)) (docs/formulas.md).
#pragma once

#include <concepts>
#include <cstdint>
#include <cstring>

#include "core/half.h"
#include "core/host_device.h"
#include "kernels/math/optim.h"

namespace minidl::kernels {

/// False for inf and NaN (by the exponent bits, so no compiler flag can fold it away).
MINIDL_HD_INLINE bool is_finite_value(float x) {
  return (::minidl::detail::float_bits(x) & 0x7f800000u) != 0x7f800000u;
}
MINIDL_HD_INLINE bool is_finite_value(double x) {
#if defined(__CUDA_ARCH__)
  const auto bits = static_cast<uint64_t>(__double_as_longlong(x));
#else
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
#endif
  return (bits & 0x7ff0000000000000ull) != 0x7ff0000000000000ull;
}

/// The factor of global-norm clipping: min(1, max_norm / (sqrt(sum_sq) + 1e-6)).
MINIDL_HD_INLINE double clip_scale(double sum_sq, double max_norm) {
  const double scale = max_norm / (detail::opt_sqrt(sum_sq) + 1e-6);
  return scale < 1.0 ? scale : 1.0;
}

/// A bound functor that may decide, once per step, to leave every element unchanged.
template <typename Bound>
concept SkippableBound = requires(const Bound& bound) {
  { bound.skip() } -> std::convertible_to<bool>;
};

// Every bound functor returns true unless it saw a non-finite value it must report
// (only functors with kFlagsNonFinite report; the others return true). kAllFloating:
// the backends instantiate it for the 16-bit floats too (computing in float), not only
// for float and double.

/// Lists: param, grad[, momentum_buffer].
template <bool kMomentum> struct SgdFunctor {
  static constexpr int kDepth = kMomentum ? 3 : 2;
  static constexpr unsigned kWriteMask = kMomentum ? 0b101u : 0b001u;
  static constexpr bool kFlagsNonFinite = false;
  static constexpr bool kAllFloating = false;
  SgdParams hp;
  StepRefs refs;

  template <typename A> struct Bound {
    SgdCoeffs<A> c;
    MINIDL_HD_INLINE bool operator()(A (&r)[kDepth]) const {
      if constexpr (kMomentum)
        sgd_momentum_update(c, r[0], r[1], r[2]);
      else
        sgd_update(c, r[0], r[1]);
      return true;
    }
  };
  template <typename A> MINIDL_HD_INLINE Bound<A> bind() const {
    return {sgd_coeffs<A>(hp, refs.lr.get(), refs.step.get())};
  }
};

/// Lists: param, grad, state_sum.
struct AdagradFunctor {
  static constexpr int kDepth = 3;
  static constexpr unsigned kWriteMask = 0b101u;
  static constexpr bool kFlagsNonFinite = false;
  static constexpr bool kAllFloating = false;
  AdagradParams hp;
  StepRefs refs;

  template <typename A> struct Bound {
    AdagradCoeffs<A> c;
    MINIDL_HD_INLINE bool operator()(A (&r)[kDepth]) const {
      adagrad_update(c, r[0], r[1], r[2]);
      return true;
    }
  };
  template <typename A> MINIDL_HD_INLINE Bound<A> bind() const {
    return {adagrad_coeffs<A>(hp, refs.lr.get(), refs.step.get())};
  }
};

/// Lists: param, grad, square_avg[, momentum_buffer][, grad_avg].
template <bool kMomentum, bool kCentered> struct RmspropFunctor {
  static constexpr int kDepth = 3 + int{kMomentum} + int{kCentered};
  static constexpr unsigned kWriteMask = (1u << kDepth) - 1u - 0b10u;  // all but the grad
  static constexpr bool kFlagsNonFinite = false;
  static constexpr bool kAllFloating = false;
  RmspropParams hp;
  StepRefs refs;

  template <typename A> struct Bound {
    RmspropCoeffs<A> c;
    MINIDL_HD_INLINE bool operator()(A (&r)[kDepth]) const {
      A unused = A(0);
      A* buf = &unused;
      A* grad_avg = &unused;
      if constexpr (kMomentum) buf = &r[3];
      if constexpr (kCentered) grad_avg = &r[kDepth - 1];
      rmsprop_update<kMomentum, kCentered>(c, r[0], r[1], r[2], *grad_avg, *buf);
      return true;
    }
  };
  template <typename A> MINIDL_HD_INLINE Bound<A> bind() const {
    return {rmsprop_coeffs<A>(hp, refs.lr.get(), refs.step.get())};
  }
};

/// Lists: param, grad, exp_avg, exp_avg_sq[, max_exp_avg_sq].
template <bool kAmsgrad> struct AdamFunctor {
  static constexpr int kDepth = kAmsgrad ? 5 : 4;
  static constexpr unsigned kWriteMask = (1u << kDepth) - 1u - 0b10u;
  static constexpr bool kFlagsNonFinite = false;
  static constexpr bool kAllFloating = false;
  AdamParams hp;
  StepRefs refs;

  template <typename A> struct Bound {
    AdamCoeffs<A> c;
    MINIDL_HD_INLINE bool operator()(A (&r)[kDepth]) const {
      A unused = A(0);
      A* max_sq = &unused;
      if constexpr (kAmsgrad) max_sq = &r[kDepth - 1];
      adam_update<kAmsgrad>(c, r[0], r[1], r[2], r[3], *max_sq);
      return true;
    }
  };
  template <typename A> MINIDL_HD_INLINE Bound<A> bind() const {
    return {adam_coeffs<A>(hp, refs.lr.get(), refs.step.get())};
  }
};

/// Lists: ema, param.  e = decay*e + (1-decay)*p.
struct EmaFunctor {
  static constexpr int kDepth = 2;
  static constexpr unsigned kWriteMask = 0b01u;
  static constexpr bool kFlagsNonFinite = false;
  static constexpr bool kAllFloating = true;
  double decay = 0.999;

  template <typename A> struct Bound {
    A decay, one_minus_decay;
    MINIDL_HD_INLINE bool operator()(A (&r)[kDepth]) const {
      r[0] = decay * r[0] + one_minus_decay * r[1];
      return true;
    }
  };
  template <typename A> MINIDL_HD_INLINE Bound<A> bind() const { return {A(decay), A(1.0 - decay)}; }
};

/// Lists: grad.  g *= clip_scale(*sum_sq, max_norm); nothing is written when the scale is 1.
struct ClipScaleFunctor {
  static constexpr int kDepth = 1;
  static constexpr unsigned kWriteMask = 0b1u;
  static constexpr bool kFlagsNonFinite = false;
  static constexpr bool kAllFloating = true;
  const double* sum_sq = nullptr;  // the squared global norm, in the grads' memory
  double max_norm = 0.0;

  template <typename A> struct Bound {
    A scale;
    bool unchanged;
    MINIDL_HD_INLINE bool skip() const { return unchanged; }
    MINIDL_HD_INLINE bool operator()(A (&r)[kDepth]) const {
      r[0] = r[0] * scale;
      return true;
    }
  };
  template <typename A> MINIDL_HD_INLINE Bound<A> bind() const {
    const double scale = clip_scale(*sum_sq, max_norm);
    return {A(scale), scale >= 1.0};
  }
};

/// Lists: grad.  Reports inf/NaN in g (before scaling), then g *= inv_scale.
struct UnscaleFunctor {
  static constexpr int kDepth = 1;
  static constexpr unsigned kWriteMask = 0b1u;
  static constexpr bool kFlagsNonFinite = true;
  static constexpr bool kAllFloating = true;
  ScalarRef inv_scale;
  float* found_inf = nullptr;  // set to 1 by any thread that saw inf/NaN

  template <typename A> struct Bound {
    A inv_scale;
    MINIDL_HD_INLINE bool operator()(A (&r)[kDepth]) const {
      const bool finite = is_finite_value(r[0]);
      r[0] = r[0] * inv_scale;
      return finite;
    }
  };
  template <typename A> MINIDL_HD_INLINE Bound<A> bind() const { return {A(inv_scale.get())}; }
};

/// Every functor above, for the backends' explicit instantiations of multi_tensor_apply:
/// X(functor type) once each (variadic, so template arguments with commas pass through).
#define MINIDL_FOR_EACH_MULTI_TENSOR_FUNCTOR(X) \
  X(SgdFunctor<false>)                          \
  X(SgdFunctor<true>)                           \
  X(AdagradFunctor)                             \
  X(RmspropFunctor<false, false>)               \
  X(RmspropFunctor<false, true>)                \
  X(RmspropFunctor<true, false>)                \
  X(RmspropFunctor<true, true>)                 \
  X(AdamFunctor<false>)                         \
  X(AdamFunctor<true>)                          \
  X(EmaFunctor)                                 \
  X(ClipScaleFunctor)                           \
  X(UnscaleFunctor)

}  // namespace minidl::kernels
