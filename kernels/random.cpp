// Dispatch of the random fills (uniform, normal, bernoulli, randint) to the CPU or
// CUDA backend after checking the arguments. Both backends take their values from
// kernels/math/random.h (Philox4x32-10, Salmon et al. 2011), so they agree bit for bit.
#include <cmath>
#include <cstdint>

#include "kernels/cpu/random.h"
#include "kernels/ops.h"
#if defined(MINIDL_WITH_CUDA)
#include "kernels/cuda/random.h"
#endif

namespace minidl::kernels {
namespace {

void check_contiguous(const Tensor& dst, const char* op) {
  MINIDL_CHECK(dst.is_contiguous(), ValueError, op, ": expected a contiguous tensor, got shape ",
               shape_str(dst.shape()), " with strides ", shape_str(dst.strides()));
}

void check_floating(const Tensor& dst, const char* op) {
  MINIDL_CHECK(is_floating(dst.dtype()), DTypeError, op, ": expected a floating dtype, got ", dst.dtype());
}

// The largest finite value of a floating dtype.
double max_finite(DType dtype) {
  switch (dtype) {
    case DType::Float16: return 65504.0;
    case DType::BFloat16: return 0x1.fep127;
    case DType::Float32: return 0x1.fffffep127;
    default: return 0x1.fffffffffffffp1023;
  }
}

// Every integer of [low, high) must be representable: the dtype's range, or for
// floating dtypes the integers their significand holds exactly.
void check_integer_range(DType dtype, int64_t low, int64_t high) {
  int64_t min = 0, max = 0;
  switch (dtype) {
    case DType::UInt8: min = 0, max = 255; break;
    case DType::Int32: min = INT32_MIN, max = INT32_MAX; break;
    case DType::Int64: min = INT64_MIN, max = INT64_MAX; break;
    case DType::Float16: min = -(1 << 11), max = 1 << 11; break;
    case DType::BFloat16: min = -(1 << 8), max = 1 << 8; break;
    case DType::Float32: min = -(1 << 24), max = 1 << 24; break;
    case DType::Float64: min = -(int64_t{1} << 53), max = int64_t{1} << 53; break;
    case DType::Bool: throw DTypeError("randint: bool tensors are not supported (use bernoulli)");
  }
  MINIDL_CHECK(low >= min && high - 1 <= max, ValueError, "randint: [", low, ", ", high,
               ") does not fit dtype ", dtype, " (values ", min, " to ", max, ")");
}

void fill_random(const Tensor& dst, PhiloxSeed seed, const RandomDraw& draw) {
  if (dst.numel() == 0) return;
  if (dst.device().is_cpu())
    cpu::fill_random(dst, seed, draw);
  else
    MINIDL_CUDA_DISPATCH(cuda::fill_random(dst, seed, draw));
}

}  // namespace

void uniform(const Tensor& dst, PhiloxSeed seed, double low, double high) {
  check_contiguous(dst, "uniform");
  check_floating(dst, "uniform");
  const double max = max_finite(dst.dtype());
  MINIDL_CHECK(low <= high && low >= -max && high <= max && high - low <= max, ValueError,
               "uniform: expected finite low <= high with high - low finite in ", dst.dtype(),
               ", got low=", low, " high=", high);
  fill_random(dst, seed, RandomDraw::uniform(low, high));
}

void normal(const Tensor& dst, PhiloxSeed seed, double mean, double stddev) {
  check_contiguous(dst, "normal");
  check_floating(dst, "normal");
  MINIDL_CHECK(std::isfinite(mean) && std::isfinite(stddev) && stddev >= 0, ValueError,
               "normal: expected a finite mean and a finite stddev >= 0, got mean=", mean,
               " stddev=", stddev);
  fill_random(dst, seed, RandomDraw::normal(mean, stddev));
}

void bernoulli(const Tensor& dst, PhiloxSeed seed, double prob) {
  check_contiguous(dst, "bernoulli");
  MINIDL_CHECK(prob >= 0 && prob <= 1, ValueError, "bernoulli: expected a probability in [0, 1], got ", prob);
  fill_random(dst, seed, RandomDraw::bernoulli(prob));
}

void randint(const Tensor& dst, PhiloxSeed seed, int64_t low, int64_t high) {
  check_contiguous(dst, "randint");
  MINIDL_CHECK(low < high, ValueError, "randint: expected low < high, got low=", low, " high=", high);
  MINIDL_CHECK(static_cast<uint64_t>(high) - static_cast<uint64_t>(low) <= (uint64_t{1} << 32), ValueError,
               "randint: the range [", low, ", ", high, ") is wider than 2^32");
  check_integer_range(dst.dtype(), low, high);
  fill_random(dst, seed, RandomDraw::randint(low, high));
}

}  // namespace minidl::kernels
