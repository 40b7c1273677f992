// Element types of tensors: names, sizes, promotion, and the C++ type of each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>

#include "core/half.h"

namespace minidl {

enum class DType : uint8_t { Float32, Float64, Float16, BFloat16, Int32, Int64, UInt8, Bool };

inline constexpr DType kAllDTypes[] = {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16,
                                       DType::Int32,   DType::Int64,   DType::UInt8,   DType::Bool};

/// Bytes per element.
std::size_t element_size(DType dtype);
/// "float32", "int64", ... (PyTorch's names).
std::string_view dtype_name(DType dtype);
/// Float32, Float64, Float16, BFloat16.
bool is_floating(DType dtype);
/// The dtype a binary op on a and b computes in (PyTorch's promotion lattice).
DType promote_types(DType a, DType b);
std::ostream& operator<<(std::ostream& out, DType dtype);

/// The C++ type that stores each dtype, and back.
template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::Float32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::Float64; };
template <> struct DTypeOf<Half> { static constexpr DType value = DType::Float16; };
template <> struct DTypeOf<BFloat16> { static constexpr DType value = DType::BFloat16; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::Int32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::Bool; };
template <typename T> inline constexpr DType dtype_of = DTypeOf<T>::value;

}  // namespace minidl
