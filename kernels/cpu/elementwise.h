// CPU loops of the element-wise kernels; arguments checked, promoted and laid out by
// kernels/elementwise.cpp (all inputs share one dtype; out has it, or bool for comparisons).
#pragma once

#include "core/tensor.h"
#include "kernels/elementwise.h"
#include "kernels/map_layout.h"

namespace minidl::kernels::cpu {
void unary(UnaryArgs op, const MapLayout& layout, const Tensor& x, const Tensor& out);
void binary(BinaryArgs op, const MapLayout& layout, const Tensor& a, const Tensor& b, const Tensor& out);
void ternary(TernaryArgs op, const MapLayout& layout, const Tensor& a, const Tensor& b, const Tensor& c,
             const Tensor& out);
void unary_backward(UnaryArgs op, const MapLayout& layout, const Tensor& x, const Tensor& y,
                    const Tensor& grad, const Tensor& out);
void binary_backward(BinaryArgs op, const MapLayout& layout, const Tensor& a, const Tensor& b,
                     const Tensor& grad, const Tensor& out, int input);
}  // namespace minidl::kernels::cpu
