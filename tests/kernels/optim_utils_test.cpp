// The multi-tensor utilities of kernels/optim.h on the CPU: EMA against its closed form
// e_n = d^n e_0 + (1 - d^n) p for a fixed p, global-norm clipping against a float64 norm
// (grads untouched below max_norm, scaled by max_norm/(n+1e-6) above), and unscaling
// with its inf/NaN flag; in float32, float64 and the 16-bit floats.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "kernels/optim.h"

namespace minidl::kernels {
namespace {

// Tensors of the given sizes holding sin-spread values (tensor k, element i) times `scale`.
TensorList spread(const std::vector<int64_t>& sizes, DType dtype, double scale, int salt = 0) {
  TensorList out;
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    std::vector<double> v(static_cast<std::size_t>(sizes[k]));
    for (std::size_t i = 0; i < v.size(); ++i)
      v[i] = scale * std::sin(0.37 * static_cast<double>(i) + 1.3 * static_cast<double>(k + salt));
    out.push_back(from_vector(v, {sizes[k]}).to(dtype));
  }
  return out;
}

double norm_of(const TensorList& list) {
  double sum = 0;
  for (const Tensor& t : list)
    for (double x : t.to_vector<double>()) sum += x * x;
  return std::sqrt(sum);
}

const std::vector<int64_t> kSizes = {1, 3, 1023, 65537, 0, 5};

TEST(OptimUtils, EmaFollowsItsClosedForm) {
  for (DType dtype : {DType::Float32, DType::Float64, DType::BFloat16}) {
    const TensorList ema = spread(kSizes, dtype, 1.0), params = spread(kSizes, dtype, 2.0, 5);
    const TensorList start = {ema[0].clone(), ema[1].clone(), ema[2].clone(),
                              ema[3].clone(), ema[4].clone(), ema[5].clone()};
    constexpr double kDecay = 0.9;
    for (int n = 0; n < 3; ++n) ema_update(ema, params, kDecay);
    const double tol = dtype == DType::Float64 ? 1e-14 : dtype == DType::Float32 ? 1e-6 : 3e-2;
    const double d3 = kDecay * kDecay * kDecay;
    for (std::size_t k = 0; k < kSizes.size(); ++k) {
      const auto e = ema[k].to_vector<double>(), e0 = start[k].to_vector<double>(),
                 p = params[k].to_vector<double>();
      for (std::size_t i = 0; i < e.size(); ++i)
        ASSERT_NEAR(e[i], d3 * e0[i] + (1 - d3) * p[i], tol) << dtype << " tensor " << k << " element " << i;
    }
  }
}

TEST(OptimUtils, EmaDecayZeroCopiesAndOneKeeps) {
  const TensorList ema = spread({4, 9}, DType::Float32, 1.0), params = spread({4, 9}, DType::Float32, 3.0, 2);
  const auto before = ema[1].to_vector<float>();
  ema_update(ema, params, 1.0);
  EXPECT_EQ(ema[1].to_vector<float>(), before);
  ema_update(ema, params, 0.0);
  EXPECT_EQ(ema[1].to_vector<float>(), params[1].to_vector<float>());
  EXPECT_THROW(ema_update(ema, params, 1.5), ValueError);
  EXPECT_THROW(ema_update(ema, {params[0]}, 0.5), ValueError);
}

TEST(OptimUtils, ClipScalesByTheGlobalNorm) {
  for (DType dtype : {DType::Float32, DType::Float64, DType::Float16}) {
    const TensorList grads = spread(kSizes, dtype, 0.5);
    const TensorList before = spread(kSizes, dtype, 0.5);
    const double norm = norm_of(before);
    const double max_norm = norm / 4;
    const Tensor got = clip_grad_norm(grads, max_norm);
    EXPECT_EQ(got.dtype(), DType::Float64);
    EXPECT_EQ(got.numel(), 1);
    EXPECT_NEAR(got.item(), norm, 1e-12 * norm) << dtype;
    const double scale = max_norm / (norm + 1e-6);
    const double tol = dtype == DType::Float16 ? 1e-3 : 1e-6;
    for (std::size_t k = 0; k < kSizes.size(); ++k) {
      const auto g = grads[k].to_vector<double>(), g0 = before[k].to_vector<double>();
      for (std::size_t i = 0; i < g.size(); ++i)
        ASSERT_NEAR(g[i], g0[i] * scale, tol) << dtype << " " << k << " " << i;
    }
    EXPECT_NEAR(norm_of(grads), max_norm, 1e-3 * max_norm);
  }
}

TEST(OptimUtils, SmallNormLeavesGradsUntouched) {
  const TensorList grads = spread(kSizes, DType::Float32, 0.01);
  const TensorList before = spread(kSizes, DType::Float32, 0.01);
  const double norm = norm_of(before);
  EXPECT_NEAR(clip_grad_norm(grads, norm * 1.01).item(), norm, 1e-12 * norm);
  for (std::size_t k = 0; k < kSizes.size(); ++k)
    EXPECT_EQ(grads[k].to_vector<float>(), before[k].to_vector<float>());
}

TEST(OptimUtils, ClipEdgeCases) {
  EXPECT_EQ(clip_grad_norm({}, 1.0).item(), 0.0);
  const TensorList grads = {full({3}, 2.0)};
  EXPECT_NEAR(clip_grad_norm(grads, 0.0).item(), std::sqrt(12.0), 1e-12);
  EXPECT_EQ(grads[0].to_vector<float>(), (std::vector<float>{0, 0, 0}));
  EXPECT_THROW(clip_grad_norm(grads, -1.0), ValueError);
  EXPECT_THROW(clip_grad_norm({ones({2}, {.dtype = DType::Int64})}, 1.0), DTypeError);
  const TensorList with_inf = {from_vector<float>({1.0f, INFINITY})};
  EXPECT_TRUE(std::isinf(clip_grad_norm(with_inf, 1.0).item()));
}

TEST(OptimUtils, UnscaleMultipliesAndFlagsNonFinite) {
  const TensorList grads = spread(kSizes, DType::Float32, 8.0);
  const TensorList before = spread(kSizes, DType::Float32, 8.0);
  const Tensor found_inf = zeros({1});
  unscale_grads(grads, 0.125, found_inf);
  EXPECT_EQ(found_inf.item(), 0.0);
  for (std::size_t k = 0; k < kSizes.size(); ++k) {
    auto want = before[k].to_vector<float>();
    for (float& w : want) w *= 0.125f;  // a power of two: exact
    EXPECT_EQ(grads[k].to_vector<float>(), want);
  }
  const Tensor inv_scale = full({}, 2.0, {.dtype = DType::Float32});
  unscale_grads(grads, inv_scale, found_inf);
  auto quarter = before[3].to_vector<float>();
  for (float& w : quarter) w *= 0.25f;
  EXPECT_EQ(grads[3].to_vector<float>(), quarter);
  EXPECT_EQ(found_inf.item(), 0.0);
}

TEST(OptimUtils, UnscaleFlagsInfAndNaNAnywhere) {
  const float kBad[] = {INFINITY, -INFINITY, NAN};
  for (float bad : kBad) {
    for (DType dtype : {DType::Float32, DType::Float64, DType::Float16}) {
      const TensorList grads = spread(kSizes, dtype, 1.0);
      grads[3].narrow(0, 40000, 1).fill_(bad);
      const Tensor found_inf = zeros({});
      unscale_grads(grads, 0.5, found_inf);
      EXPECT_EQ(found_inf.item(), 1.0) << bad << " " << dtype;
      EXPECT_NEAR(grads[2].to_vector<double>()[7], 0.5 * std::sin(0.37 * 7 + 1.3 * 2), 1e-3);
    }
  }
  const Tensor stays = full({1}, 1.0);
  unscale_grads(spread({5}, DType::Float32, 1.0), 1.0, stays);
  EXPECT_EQ(stays.item(), 1.0) << "a set flag is never cleared";
  EXPECT_THROW(unscale_grads({ones({2})}, 1.0, zeros({1}, {.dtype = DType::Float64})), DTypeError);
  EXPECT_THROW(unscale_grads({ones({2})}, ones({2}), zeros({1})), ShapeError);
}

}  // namespace
}  // namespace minidl::kernels
