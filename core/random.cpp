// Random factories and in-place fills: pick the generator, take its Philox4x32-10
// (seed, offset) for the element count (Salmon et al. 2011), and run
// kernels::uniform/normal/bernoulli/randint. A fill that fails its argument checks
// may still have advanced the generator (the checks live in the kernels, once).
#include "core/random.h"

#include "core/autograd.h"
#include "kernels/ops.h"

namespace minidl {
namespace {

Generator& pick_generator(Generator* generator, const Device& device) {
  Generator& chosen = generator != nullptr ? *generator : default_generator(device);
  MINIDL_CHECK(chosen.device() == device, DeviceError, "a generator of ", chosen.device(),
               " cannot fill a tensor on ", device);
  return chosen;
}

// Runs fill(contiguous_tensor, philox_seed) on `tensor`, through a contiguous temporary when
// it has another layout.
template <typename Fill>
const Tensor& fill_random(const char* op, const Tensor& tensor, Generator* generator, Fill&& fill) {
  autograd::check_inplace(tensor, op);  // before drawing, so a refused fill draws nothing
  Generator& chosen = pick_generator(generator, tensor.device());
  const auto n = static_cast<uint64_t>(tensor.numel());
  if (tensor.is_contiguous()) {
    fill(tensor, chosen.next(n));
    tensor.storage().bump_version();
    return tensor;
  }
  const Tensor temporary = empty(tensor.shape(), {.dtype = tensor.dtype(), .device = tensor.device()});
  fill(temporary, chosen.next(n));
  return tensor.copy_(temporary);
}

}  // namespace

const Tensor& uniform_(const Tensor& tensor, double low, double high, Generator* generator) {
  return fill_random("uniform_", tensor, generator, [&](const Tensor& dst, kernels::PhiloxSeed seed) {
    kernels::uniform(dst, seed, low, high);
  });
}

const Tensor& normal_(const Tensor& tensor, double mean, double stddev, Generator* generator) {
  return fill_random("normal_", tensor, generator, [&](const Tensor& dst, kernels::PhiloxSeed seed) {
    kernels::normal(dst, seed, mean, stddev);
  });
}

const Tensor& bernoulli_(const Tensor& tensor, double prob, Generator* generator) {
  return fill_random("bernoulli_", tensor, generator, [&](const Tensor& dst, kernels::PhiloxSeed seed) {
    kernels::bernoulli(dst, seed, prob);
  });
}

Tensor rand(const Shape& shape, TensorOptions options, Generator* generator) {
  Tensor result = empty(shape, options);
  return uniform_(result, 0.0, 1.0, generator);
}

Tensor randn(const Shape& shape, TensorOptions options, Generator* generator) {
  Tensor result = empty(shape, options);
  return normal_(result, 0.0, 1.0, generator);
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options, Generator* generator) {
  Tensor result = empty(shape, options);
  return fill_random("randint", result, generator, [&](const Tensor& dst, kernels::PhiloxSeed seed) {
    kernels::randint(dst, seed, low, high);
  });
}

Tensor bernoulli(const Shape& shape, double prob, TensorOptions options, Generator* generator) {
  Tensor result = empty(shape, options);
  return bernoulli_(result, prob, generator);
}

}  // namespace minidl
