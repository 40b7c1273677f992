// Element conversion between dtypes, the same on both backends: 16-bit floats
// go through float, bool is "non-zero".
#pragma once

#include <type_traits>

#include "core/half.h"
#include "core/host_device.h"

namespace minidl::kernels {

template <typename T>
inline constexpr bool is_16bit_float = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

/// A 16-bit float widened to float; any other value unchanged.
template <typename T>
MINIDL_HD_INLINE auto widen(T v) {
  if constexpr (is_16bit_float<T>) return static_cast<float>(v);
  else return v;
}

template <typename To, typename From>
MINIDL_HD_INLINE To cast_value(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<To, bool>) {
    return widen(v) != 0;
  } else if constexpr (is_16bit_float<To>) {
    return To(static_cast<float>(widen(v)));
  } else if constexpr (std::is_floating_point_v<decltype(widen(v))> && std::is_integral_v<To> &&
                       sizeof(To) < sizeof(int64_t)) {
    // Through int64: a float outside a narrow type's range (300 -> uint8) is undefined behaviour
    // when cast directly; int64 -> narrow integer wraps, as PyTorch's CPU casts do (300 -> 44).
    return static_cast<To>(static_cast<int64_t>(widen(v)));
  } else {
    return static_cast<To>(widen(v));
  }
}

}  // namespace minidl::kernels
