// The per-element formulas of kernels/math/elementwise.h on the host: forward values
// against closed forms from <cmath>, every derivative against a central difference
// in double, stability at large |x|, NaN and tie rules, integer forms.
#include "kernels/math/elementwise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace minidl::kernels {
namespace {

const std::vector<double> kPoints = {-3.1, -1.2, -0.4, 0.3, 0.9, 2.7};
const std::vector<double> kPositive = {0.2, 0.7, 1.3, 2.9};
constexpr double kStep = 1e-6;

template <typename F> void expect_unary_derivative(const F& f, const std::vector<double>& points) {
  for (double x : points) {
    const double y = f.fwd(x);
    const double numeric = (f.fwd(x + kStep) - f.fwd(x - kStep)) / (2 * kStep);
    const double g = 0.75;
    EXPECT_NEAR(f.bwd(x, y, g), g * numeric, 1e-7 * (1 + std::abs(numeric))) << "at x = " << x;
  }
}

template <typename F>
void expect_binary_derivatives(const F& f, const std::vector<double>& as, const std::vector<double>& bs) {
  for (double a : as)
    for (double b : bs) {
      const double da = (f.fwd(a + kStep, b) - f.fwd(a - kStep, b)) / (2 * kStep);
      const double db = (f.fwd(a, b + kStep) - f.fwd(a, b - kStep)) / (2 * kStep);
      EXPECT_NEAR(f.bwd_a(a, b, -1.5), -1.5 * da, 1e-6 * (1 + std::abs(da))) << a << ", " << b;
      EXPECT_NEAR(f.bwd_b(a, b, -1.5), -1.5 * db, 1e-6 * (1 + std::abs(db))) << a << ", " << b;
    }
}

TEST(ElementwiseMath, UnaryValuesMatchClosedForms) {
  for (double x : kPoints) {
    EXPECT_DOUBLE_EQ(Neg{}.fwd(x), -x);
    EXPECT_DOUBLE_EQ(Exp{}.fwd(x), std::exp(x));
    EXPECT_DOUBLE_EQ(Abs{}.fwd(x), std::fabs(x));
    EXPECT_DOUBLE_EQ(Sign{}.fwd(x), x > 0 ? 1.0 : -1.0);
    EXPECT_DOUBLE_EQ(Pow{3.0}.fwd(x), std::pow(x, 3.0));
    EXPECT_DOUBLE_EQ((Clamp{-1.0, 1.0}.fwd(x)), std::min(std::max(x, -1.0), 1.0));
    EXPECT_DOUBLE_EQ((Affine{2.5, -1.0}.fwd(x)), 2.5 * x - 1.0);
    EXPECT_DOUBLE_EQ(RDiv{3.0}.fwd(x), 3.0 / x);
    EXPECT_DOUBLE_EQ(Relu{}.fwd(x), std::max(x, 0.0));
    EXPECT_DOUBLE_EQ(LeakyRelu{0.1}.fwd(x), x > 0 ? x : 0.1 * x);
    EXPECT_NEAR(Sigmoid{}.fwd(x), 1.0 / (1.0 + std::exp(-x)), 1e-15);
    EXPECT_DOUBLE_EQ(Tanh{}.fwd(x), std::tanh(x));
    EXPECT_NEAR(Gelu{}.fwd(x), 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))), 1e-15);
  }
  for (double x : kPositive) {
    EXPECT_DOUBLE_EQ(Log{}.fwd(x), std::log(x));
    EXPECT_DOUBLE_EQ(Sqrt{}.fwd(x), std::sqrt(x));
    EXPECT_DOUBLE_EQ(Pow{-1.5}.fwd(x), std::pow(x, -1.5));
  }
  // Known values: GELU(1) = Phi(1) = 0.8413447460685429..., sigmoid(0) = 1/2.
  EXPECT_NEAR(Gelu{}.fwd(1.0), 0.8413447460685429, 1e-15);
  EXPECT_DOUBLE_EQ(Sigmoid{}.fwd(0.0), 0.5);
  EXPECT_DOUBLE_EQ(Sign{}.fwd(0.0), 0.0);
}

TEST(ElementwiseMath, UnaryDerivativesMatchFiniteDifferences) {
  expect_unary_derivative(Neg{}, kPoints);
  expect_unary_derivative(Exp{}, kPoints);
  expect_unary_derivative(Abs{}, kPoints);
  expect_unary_derivative(Sign{}, kPoints);
  expect_unary_derivative(Pow{3.0}, kPoints);
  expect_unary_derivative(Pow{2.0}, kPoints);
  expect_unary_derivative(Clamp{-1.0, 1.0}, kPoints);
  expect_unary_derivative(Affine{2.5, -1.0}, kPoints);
  expect_unary_derivative(RDiv{3.0}, kPoints);
  expect_unary_derivative(Relu{}, kPoints);
  expect_unary_derivative(LeakyRelu{0.1}, kPoints);
  expect_unary_derivative(Sigmoid{}, kPoints);
  expect_unary_derivative(Tanh{}, kPoints);
  expect_unary_derivative(Gelu{}, kPoints);
  expect_unary_derivative(Log{}, kPositive);
  expect_unary_derivative(Sqrt{}, kPositive);
  expect_unary_derivative(Pow{-1.5}, kPositive);
  expect_unary_derivative(Pow{0.5}, kPositive);
}

TEST(ElementwiseMath, BinaryValuesAndDerivatives) {
  const std::vector<double> as = {-1.3, 0.4, 2.2};
  const std::vector<double> bs = {-0.7, 0.6, 1.9};
  for (double a : as)
    for (double b : bs) {
      EXPECT_DOUBLE_EQ(Add{1.0}.fwd(a, b), a + b);
      EXPECT_DOUBLE_EQ(Add{-1.0}.fwd(a, b), a - b);
      EXPECT_DOUBLE_EQ(Add{0.5}.fwd(a, b), a + 0.5 * b);
      EXPECT_DOUBLE_EQ(Mul{}.fwd(a, b), a * b);
      EXPECT_DOUBLE_EQ(Div{}.fwd(a, b), a / b);
      EXPECT_DOUBLE_EQ(Maximum{}.fwd(a, b), std::max(a, b));
      EXPECT_DOUBLE_EQ(Minimum{}.fwd(a, b), std::min(a, b));
      EXPECT_NEAR(Lerp{0.3}.fwd(a, b), a + 0.3 * (b - a), 1e-15);
      EXPECT_NEAR(Lerp{0.8}.fwd(a, b), a + 0.8 * (b - a), 1e-15);
      EXPECT_EQ(Eq{}.fwd(a, b), a == b);
      EXPECT_EQ(Gt{}.fwd(a, b), a > b);
      EXPECT_EQ(Lt{}.fwd(a, b), a < b);
    }
  expect_binary_derivatives(Add{1.0}, as, bs);
  expect_binary_derivatives(Add{-2.0}, as, bs);
  expect_binary_derivatives(Mul{}, as, bs);
  expect_binary_derivatives(Div{}, as, bs);
  expect_binary_derivatives(Maximum{}, as, bs);
  expect_binary_derivatives(Minimum{}, as, bs);
  expect_binary_derivatives(Lerp{0.3}, as, bs);
  expect_binary_derivatives(Lerp{0.8}, as, bs);
}

TEST(ElementwiseMath, LerpIsExactAtItsEnds) {
  EXPECT_EQ(Lerp{0.0}.fwd(0.1, 0.7), 0.1);
  EXPECT_EQ(Lerp{1.0}.fwd(0.1, 0.7), 0.7);
}

TEST(ElementwiseMath, TiesSplitTheGradientAndNaNWins) {
  EXPECT_DOUBLE_EQ(Maximum{}.bwd_a(2.0, 2.0, 1.0), 0.5);
  EXPECT_DOUBLE_EQ(Maximum{}.bwd_b(2.0, 2.0, 1.0), 0.5);
  EXPECT_DOUBLE_EQ(Minimum{}.bwd_a(2.0, 2.0, 1.0), 0.5);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::isnan(Maximum{}.fwd(nan, 1.0)));
  EXPECT_TRUE(std::isnan(Maximum{}.fwd(1.0, nan)));
  EXPECT_TRUE(std::isnan(Minimum{}.fwd(nan, 1.0)));
  EXPECT_TRUE(std::isnan(Minimum{}.fwd(1.0, nan)));
  EXPECT_TRUE(std::isnan(Relu{}.fwd(nan)));
  EXPECT_TRUE(std::isnan(Clamp{0.0, 1.0}.fwd(nan)));
}

TEST(ElementwiseMath, ClampBoundsAndGradientAreInclusive) {
  EXPECT_DOUBLE_EQ((Clamp{0.0, 1.0}.bwd(0.0, 0.0, 3.0)), 3.0);
  EXPECT_DOUBLE_EQ((Clamp{0.0, 1.0}.bwd(1.0, 1.0, 3.0)), 3.0);
  EXPECT_DOUBLE_EQ((Clamp{0.0, 1.0}.bwd(1.5, 1.0, 3.0)), 0.0);
  EXPECT_DOUBLE_EQ((Clamp{2.0, 1.0}.fwd(0.0)), 1.0);  // min > max: max wins, as torch.clamp
}

TEST(ElementwiseMath, SigmoidAndTanhStayFiniteForLargeInputs) {
  for (float x : {-1000.f, -100.f, -88.8f, 88.8f, 100.f, 1000.f}) {
    const float s = Sigmoid{}.fwd(x);
    EXPECT_FALSE(std::isnan(s)) << x;
    EXPECT_GE(s, 0.f);
    EXPECT_LE(s, 1.f);
    EXPECT_FALSE(std::isnan(Sigmoid{}.bwd(x, s, 1.f))) << x;
    EXPECT_FLOAT_EQ(Tanh{}.fwd(x), x > 0 ? 1.f : -1.f);
    EXPECT_FALSE(std::isnan(Gelu{}.bwd(x, 0.f, 1.f))) << x;
  }
  EXPECT_FLOAT_EQ(Sigmoid{}.fwd(1000.f), 1.f);
  EXPECT_EQ(Sigmoid{}.fwd(-1000.f), 0.f);
  // exp(-x) for tiny sigmoid values is kept exactly: sigmoid(-50) = e^-50 / (1 + e^-50).
  EXPECT_NEAR(Sigmoid{}.fwd(-50.0) / std::exp(-50.0), 1.0, 1e-14);
}

TEST(ElementwiseMath, PowOfZeroExponentHasZeroGradient) {
  EXPECT_DOUBLE_EQ(Pow{0.0}.fwd(0.0), 1.0);
  EXPECT_DOUBLE_EQ(Pow{0.0}.bwd(0.0, 1.0, 5.0), 0.0);
}

TEST(ElementwiseMath, IntegerForms) {
  EXPECT_EQ(Add{1.0}.fwd<int32_t>(7, -9), -2);
  EXPECT_EQ(Add{-1.0}.fwd<uint8_t>(7, 9), static_cast<uint8_t>(254));  // wraps as uint8
  EXPECT_EQ(Mul{}.fwd<int64_t>(int64_t{1} << 40, 3), int64_t{3} << 40);
  EXPECT_EQ(Maximum{}.fwd<int32_t>(-4, 3), 3);
  EXPECT_EQ(Minimum{}.fwd<int32_t>(-4, 3), -4);
  EXPECT_EQ(Neg{}.fwd<int32_t>(5), -5);
  EXPECT_EQ(Abs{}.fwd<int64_t>(-5), 5);
  EXPECT_EQ(Abs{}.fwd<uint8_t>(200), 200);
  EXPECT_EQ(Where{}.fwd<int32_t>(0, 4, 5), 5);
  EXPECT_EQ(Where{}.fwd<bool>(true, false, true), false);
}

TEST(ElementwiseMath, FusedOptimizerForms) {
  EXPECT_DOUBLE_EQ(Addcmul{0.5}.fwd(1.0, 2.0, 3.0), 1.0 + 0.5 * 2.0 * 3.0);
  EXPECT_DOUBLE_EQ(Addcdiv{-0.5}.fwd(1.0, 2.0, 4.0), 1.0 - 0.5 * 2.0 / 4.0);
}

}  // namespace
}  // namespace minidl::kernels
