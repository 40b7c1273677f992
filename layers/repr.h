// Pieces of the layers' extra_repr() text, spelled as Python prints them, so str() matches
// PyTorch's repr character for character: floats as Python's repr (shortest round trip,
// 1e-05 and 0.1), True/False, tuples "(3, 3)".
#pragma once

#include <string>

#include "core/ops/fractional_pool.h"
#include "kernels/math/window.h"

namespace minidl::nn::repr {

/// Python's repr(float): the shortest digits that read back the same, fixed notation for
/// decimal exponents -4..15 (with ".0" when whole), else scientific ("1e-05", "1e+16").
std::string py_float(double value);
/// "True" / "False".
inline std::string py_bool(bool value) { return value ? "True" : "False"; }
/// "(h, w)": what PyTorch prints for a size it stores as a pair (Conv2d's _pair).
std::string py_pair(Size2 size);
/// "k" when both dims agree, else "(h, w)": a size PyTorch keeps as the user gave it
/// (pooling), shown as the int a square one is written with.
std::string py_size(Size2 size);
/// "(h, w)" of two floats.
std::string py_pair(Ratio2 ratio);

}  // namespace minidl::nn::repr
