// Random tensors: factories (rand, randn, randint, bernoulli) and in-place fills
// (uniform_, normal_, bernoulli_) drawing from a Generator. Element i takes word i%4
// of Philox4x32-10 block offset + i/4 (Salmon et al. 2011), so CPU and CUDA give the
// same values for the same generator state. A null generator means the device's default.
#pragma once

#include <cstdint>

#include "core/generator.h"
#include "core/tensor.h"

namespace minidl {

/// Uniform on [0, 1) (floating dtypes).
Tensor rand(const Shape& shape, TensorOptions options = {}, Generator* generator = nullptr);
/// Standard normal (floating dtypes), by Box–Muller.
Tensor randn(const Shape& shape, TensorOptions options = {}, Generator* generator = nullptr);
/// Integers uniform on [low, high) (integer and floating dtypes); high - low <= 2^32, with a
/// modulo bias of at most (high - low) / 2^32. Options given replace the default whole: name the
/// dtype with the device, {.dtype = DType::Int64, .device = ...}.
Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options = {.dtype = DType::Int64},
               Generator* generator = nullptr);
/// 1 with probability prob, else 0 (any dtype).
Tensor bernoulli(const Shape& shape, double prob, TensorOptions options = {}, Generator* generator = nullptr);

/// Fills `tensor` (any layout) uniformly on [low, high). In place, const like Tensor::copy_.
const Tensor& uniform_(const Tensor& tensor, double low = 0.0, double high = 1.0,
                       Generator* generator = nullptr);
/// Fills `tensor` with N(mean, stddev^2).
const Tensor& normal_(const Tensor& tensor, double mean = 0.0, double stddev = 1.0,
                      Generator* generator = nullptr);
/// Fills `tensor` with 1 (probability prob) or 0.
const Tensor& bernoulli_(const Tensor& tensor, double prob, Generator* generator = nullptr);

}  // namespace minidl
