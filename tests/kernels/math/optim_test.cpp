// The per-element updates of kernels/math/optim.h, driven through the functors of
// kernels/math/optim_functors.h exactly as both backends drive them (list slots, write
// masks, per-step coefficients), against the float64 references of tests/kernels/optim_reference.h
// for several steps, in float and double; plus L1's sign(0), the scalars read from memory,
// fresh state at t = 1, EMA, the clipping factor and the inf/NaN check of unscaling.
#include "kernels/math/optim.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/math/optim_functors.h"
#include "kernels/optim_reference.h"

namespace minidl::kernels {
namespace {

using test::RefElement;

constexpr double kGrads[] = {0.3, -1.2, 0.05, 2.0, -0.4, 0.0, 0.7, -0.01};
constexpr double kStartParam = 0.7;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <typename T> class OptimMath : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(OptimMath, Types);

template <typename T> double tolerance() { return std::is_same_v<T, float> ? 1e-5 : 1e-13; }

// The state of slot s (2, 3, 4: the lists after param and grad) in the reference's terms.
using StateOf = double (*)(const RefElement&, int slot);

// Runs `functor` over kGrads from kStartParam (state slots start as `initial_state`,
// ignored at t = 1) and compares param and state with `ref` after every step.
template <typename T, typename F, typename Ref>
void expect_trajectory(F functor, double lr, Ref ref, StateOf state_of, double initial_state = 0.0) {
  T r[F::kDepth];
  for (T& v : r) v = T(initial_state);
  r[0] = T(kStartParam);
  RefElement e{.p = static_cast<double>(T(kStartParam))};
  int64_t t = 0;
  for (double grad : kGrads) {
    ++t;
    const double g = static_cast<double>(T(grad));
    functor.refs.lr.value = lr;
    functor.refs.step.value = static_cast<double>(t);
    r[1] = T(g);
    EXPECT_TRUE(functor.template bind<T>()(r));
    ref(e, g, t, lr);
    const double tol = tolerance<T>();
    ASSERT_NEAR(r[0], e.p, tol * std::max(1.0, std::fabs(e.p))) << "param after step " << t;
    ASSERT_EQ(r[1], T(g)) << "the grad slot is input only";
    for (int slot = 2; slot < F::kDepth; ++slot) {
      const double want = state_of(e, slot);
      ASSERT_NEAR(r[slot], want, tol * std::max(1.0, std::fabs(want)))
          << "state slot " << slot << " step " << t;
    }
  }
}

double sgd_state(const RefElement& e, int) { return e.s1; }
double adagrad_state(const RefElement& e, int) { return e.s1; }
double adam_state(const RefElement& e, int slot) { return slot == 2 ? e.s1 : slot == 3 ? e.s2 : e.s3; }

TYPED_TEST(OptimMath, Sgd) {
  using T = TypeParam;
  const SgdParams cases[] = {{.lr = 0.1},
                             {.lr = 0.1, .weight_decay = 0.1, .l1 = 0.05},
                             {.lr = 0.1, .momentum = 0.9},
                             {.lr = 0.1, .momentum = 0.9, .dampening = 0.3, .weight_decay = 0.01},
                             {.lr = 0.1, .momentum = 0.9, .l1 = 0.02, .nesterov = true}};
  for (const SgdParams& hp : cases) {
    SCOPED_TRACE(::testing::Message() << "momentum " << hp.momentum << " nesterov " << hp.nesterov);
    const auto ref = [&](RefElement& e, double g, int64_t t, double lr) { test::ref_sgd(e, g, hp, t, lr); };
    if (hp.momentum == 0.0)
      expect_trajectory<T>(SgdFunctor<false>{hp, {}}, hp.lr, ref, sgd_state);
    else
      expect_trajectory<T>(SgdFunctor<true>{hp, {}}, hp.lr, ref, sgd_state, kNaN);
  }
}

TYPED_TEST(OptimMath, Adagrad) {
  using T = TypeParam;
  const AdagradParams cases[] = {
      {.lr = 0.1},
      {.lr = 0.1, .lr_decay = 0.05, .weight_decay = 0.01, .initial_accumulator_value = 0.5, .l1 = 0.01}};
  for (const AdagradParams& hp : cases) {
    const auto ref = [&](RefElement& e, double g, int64_t t, double lr) {
      test::ref_adagrad(e, g, hp, t, lr);
    };
    expect_trajectory<T>(AdagradFunctor{hp, {}}, hp.lr, ref, adagrad_state, kNaN);
  }
}

template <typename T, bool kMomentum, bool kCentered> void expect_rmsprop(const RmspropParams& hp) {
  SCOPED_TRACE(::testing::Message() << "momentum " << kMomentum << " centered " << kCentered);
  const auto ref = [&](RefElement& e, double g, int64_t t, double lr) { test::ref_rmsprop(e, g, hp, t, lr); };
  // Slots: square_avg, [momentum buffer], [grad_avg].
  const StateOf state = [](const RefElement& e, int slot) {
    if (slot == 2) return e.s1;
    return (kMomentum && slot == 3) ? e.s2 : e.s3;
  };
  expect_trajectory<T>(RmspropFunctor<kMomentum, kCentered>{hp, {}}, hp.lr, ref, state, kNaN);
}

TYPED_TEST(OptimMath, Rmsprop) {
  using T = TypeParam;
  const RmspropParams plain{.lr = 0.01, .weight_decay = 0.01, .l1 = 0.003};
  expect_rmsprop<T, false, false>(plain);
  expect_rmsprop<T, true, false>({.lr = 0.01, .momentum = 0.9});
  expect_rmsprop<T, false, true>({.lr = 0.01, .alpha = 0.9, .centered = true});
  expect_rmsprop<T, true, true>({.lr = 0.01, .weight_decay = 0.1, .momentum = 0.5, .centered = true});
}

TYPED_TEST(OptimMath, AdamAndAdamW) {
  using T = TypeParam;
  const AdamParams cases[] = {
      {.lr = 0.01},
      {.lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .weight_decay = 0.1},
      {.lr = 0.01, .amsgrad = true},
      {.lr = 0.01, .weight_decay = 0.05, .amsgrad = true, .l1 = 0.01},
      test::as_adam(AdamWParams{.lr = 0.01}),
      test::as_adam(AdamWParams{.lr = 0.01, .weight_decay = 0.1, .amsgrad = true, .l1 = 0.02})};
  for (const AdamParams& hp : cases) {
    SCOPED_TRACE(::testing::Message() << "amsgrad " << hp.amsgrad << " decoupled "
                                      << hp.decoupled_weight_decay << " wd " << hp.weight_decay);
    const auto ref = [&](RefElement& e, double g, int64_t t, double lr) { test::ref_adam(e, g, hp, t, lr); };
    if (hp.amsgrad)
      expect_trajectory<T>(AdamFunctor<true>{hp, {}}, hp.lr, ref, adam_state, kNaN);
    else
      expect_trajectory<T>(AdamFunctor<false>{hp, {}}, hp.lr, ref, adam_state, kNaN);
  }
}

TYPED_TEST(OptimMath, L1NeverMovesAZeroWeightWithoutGradient) {
  using T = TypeParam;
  EXPECT_EQ(sign_of(T(-2)), T(-1));
  EXPECT_EQ(sign_of(T(0.5)), T(1));
  EXPECT_EQ(sign_of(T(0)), T(0));
  EXPECT_EQ(sign_of(-T(0)), T(0));
  EXPECT_EQ(regularized_grad(T(1), T(-2), T(0.5), T(0.25)), T(1 - 1 - 0.25));
  T r[2] = {T(0), T(0)};
  SgdFunctor<false>{{.lr = 0.1, .l1 = 0.5}, {.lr = {0.1}, .step = {1}}}.bind<T>()(r);
  EXPECT_EQ(r[0], T(0));
  T s[2] = {T(0.25), T(0)};
  SgdFunctor<false>{{.lr = 0.1, .l1 = 0.5}, {.lr = {0.1}, .step = {1}}}.bind<T>()(s);
  EXPECT_NEAR(s[0], 0.25 - 0.1 * 0.5, 1e-7);
}

TEST(OptimMath, ScalarsAreReadFromMemoryWhenGiven) {
  const float lr32 = 0.25f;
  const double lr64 = 0.125;
  const int64_t step = 7;
  EXPECT_EQ((ScalarRef{.value = 3.0}.get()), 3.0);
  EXPECT_EQ((ScalarRef{.value = 3.0, .ptr = &lr32, .kind = ScalarKind::Float32}.get()), 0.25);
  EXPECT_EQ((ScalarRef{.value = 3.0, .ptr = &lr64, .kind = ScalarKind::Float64}.get()), 0.125);
  EXPECT_EQ((ScalarRef{.value = 3.0, .ptr = &step, .kind = ScalarKind::Int64}.get()), 7.0);
  const AdamParams hp{.lr = 99.0};  // the lr in memory wins over both host values
  AdamFunctor<false> from_memory{hp,
                                 {.lr = {.value = 99.0, .ptr = &lr32, .kind = ScalarKind::Float32},
                                  .step = {.value = 1.0, .ptr = &step, .kind = ScalarKind::Int64}}};
  AdamFunctor<false> from_host{hp, {.lr = {0.25}, .step = {7.0}}};
  double a[4] = {1.0, 0.5, 0.1, 0.2}, b[4] = {1.0, 0.5, 0.1, 0.2};
  from_memory.bind<double>()(a);
  from_host.bind<double>()(b);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(a[i], b[i]) << i;
}

TEST(OptimMath, FunctorsNeverWriteTheGrad) {
  EXPECT_EQ(SgdFunctor<false>::kWriteMask, 0b1u);
  EXPECT_EQ(SgdFunctor<true>::kWriteMask, 0b101u);
  EXPECT_EQ(AdagradFunctor::kWriteMask, 0b101u);
  EXPECT_EQ((RmspropFunctor<false, false>::kWriteMask), 0b101u);
  EXPECT_EQ((RmspropFunctor<true, true>::kWriteMask), 0b11101u);
  EXPECT_EQ(AdamFunctor<false>::kWriteMask, 0b1101u);
  EXPECT_EQ(AdamFunctor<true>::kWriteMask, 0b11101u);
  EXPECT_EQ(EmaFunctor::kWriteMask, 0b01u);
}

TEST(OptimMath, EmaBlendsTowardsTheParameter) {
  double r[2] = {2.0, 4.0};
  EXPECT_TRUE(EmaFunctor{0.75}.bind<double>()(r));
  EXPECT_DOUBLE_EQ(r[0], 0.75 * 2.0 + 0.25 * 4.0);
  EXPECT_EQ(r[1], 4.0);
  float zero[2] = {2.0f, 4.0f}, one[2] = {2.0f, 4.0f};
  EmaFunctor{0.0}.bind<float>()(zero);
  EmaFunctor{1.0}.bind<float>()(one);
  EXPECT_EQ(zero[0], 4.0f);
  EXPECT_EQ(one[0], 2.0f);
}

TEST(OptimMath, ClipScaleIsAtMostOne) {
  EXPECT_DOUBLE_EQ(clip_scale(100.0, 5.0), 5.0 / (10.0 + 1e-6));
  EXPECT_EQ(clip_scale(1.0, 5.0), 1.0);
  EXPECT_EQ(clip_scale(0.0, 5.0), 1.0);
  EXPECT_EQ(clip_scale(INFINITY, 5.0), 0.0);
  const double sum_sq = 400.0;
  const auto bound = ClipScaleFunctor{&sum_sq, 2.0}.bind<float>();
  EXPECT_FALSE(bound.skip());
  float r[1] = {3.0f};
  bound(r);
  EXPECT_FLOAT_EQ(r[0], 3.0f * static_cast<float>(2.0 / (20.0 + 1e-6)));
  const double small = 1.0;
  EXPECT_TRUE((ClipScaleFunctor{&small, 2.0}.bind<float>().skip()));
}

TEST(OptimMath, UnscaleReportsNonFiniteGradients) {
  EXPECT_TRUE(is_finite_value(0.0f));
  EXPECT_TRUE(is_finite_value(std::numeric_limits<float>::max()));
  EXPECT_TRUE(is_finite_value(std::numeric_limits<double>::denorm_min()));
  EXPECT_FALSE(is_finite_value(std::numeric_limits<float>::infinity()));
  EXPECT_FALSE(is_finite_value(-std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(is_finite_value(std::numeric_limits<float>::quiet_NaN()));
  EXPECT_FALSE(is_finite_value(kNaN));
  UnscaleFunctor functor;
  functor.inv_scale.value = 0.5;
  const auto bound = functor.bind<float>();
  float ok[1] = {3.0f}, inf[1] = {INFINITY}, nan[1] = {NAN};
  EXPECT_TRUE(bound(ok));
  EXPECT_EQ(ok[0], 1.5f);
  EXPECT_FALSE(bound(inf));
  EXPECT_FALSE(bound(nan));
}

}  // namespace
}  // namespace minidl::kernels
