// Differentiable shape ops with PyTorch's semantics: cat, split (views),
// index_select (backward: index_add) and pad (constant or reflect).
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace minidl {

/// Joins tensors of one dtype and device along dim; their shapes match except in dim.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);

/// Views of x in pieces of split_size along dim (the last piece may be shorter), as torch.split.
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0);

/// The slices of x at the int64 (1-d) index along dim; indices may repeat (their gradients add).
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);

enum class PadMode { Constant, Reflect };

/// Pads the last dims of x, as torch.nn.functional.pad: pads = {left, right} of the last dim,
/// then {top, bottom} of the one before, and so on. Constant fills `value` (negative pads crop);
/// Reflect mirrors without repeating the edge (each pad smaller than its dim).
Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode = PadMode::Constant,
           double value = 0.0);

}  // namespace minidl
