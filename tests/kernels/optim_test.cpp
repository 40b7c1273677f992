// The fused optimizer steps of kernels/optim.h on the CPU: every algorithm branch over
// a list of tensors (1, 3, 1023, 4100 elements and a 2-d one) against the float64
// reference for five steps in float32 and float64, state written fresh at t = 1, lr and t
// read from tensors, misaligned views, and argument errors naming the tensor at fault.
// PyTorch trajectories: optim_golden_test.cpp; EMA/clipping/unscaling: optim_utils_test.cpp.
#include "kernels/optim.h"

#include <gtest/gtest.h>

#include "kernels/optim_cases.h"
#include "support/expect_error.h"

namespace minidl::kernels {
namespace {

using test::OptimCase;
using test::OptimLists;
using test::RefElement;

const std::vector<Shape> kShapes = {{1}, {3}, {1023}, {4100}, {7, 13}};
constexpr int64_t kSteps = 5;

// Runs a case for kSteps and checks params and state against the reference after each.
void expect_matches_reference(const OptimCase& c, DType dtype, bool misaligned) {
  const double rtol = dtype == DType::Float64 ? 1e-12 : 1e-5;
  const double atol = dtype == DType::Float64 ? 1e-14 : 1e-5;  // momentum buffers cancel (-9 + 9.04)
  const OptimLists lists = test::make_optim_lists(c.uses, kShapes, {.dtype = dtype}, misaligned);
  std::vector<std::vector<RefElement>> ref(kShapes.size());
  for (std::size_t k = 0; k < kShapes.size(); ++k)
    for (double p : lists.params[k].to_vector<double>()) ref[k].push_back({.p = p});
  for (int64_t t = 1; t <= kSteps; ++t) {
    test::fill_golden_grads(lists.grads, t);
    c.step(lists.params, lists.grads, lists.states, {.step = t});
    for (std::size_t k = 0; k < kShapes.size(); ++k) {
      const std::vector<double> g = lists.grads[k].to_vector<double>();
      std::vector<double> want_p, got_p = lists.params[k].to_vector<double>();
      for (std::size_t i = 0; i < g.size(); ++i) {
        c.ref(ref[k][i], g[i], t, c.lr);
        want_p.push_back(ref[k][i].p);
      }
      const int64_t bad = test::first_mismatch(got_p, want_p, rtol, atol);
      ASSERT_EQ(bad, -1) << c.name << " tensor " << k << " step " << t << " element " << bad << ": "
                         << got_p[static_cast<std::size_t>(std::max<int64_t>(bad, 0))] << " vs "
                         << want_p[static_cast<std::size_t>(std::max<int64_t>(bad, 0))];
      for (int l = 0; l < 3; ++l) {
        if (!c.uses[static_cast<std::size_t>(l)]) continue;
        std::vector<double> want_s;
        for (const RefElement& e : ref[k]) want_s.push_back(c.state_of(e, l));
        const int64_t bad_s = test::first_mismatch(
            lists.states[static_cast<std::size_t>(l)][k].to_vector<double>(), want_s, rtol, atol);
        ASSERT_EQ(bad_s, -1) << c.name << " state list " << l << " tensor " << k << " step " << t;
      }
    }
  }
}

TEST(Optim, EveryAlgorithmMatchesTheFloat64ReferenceInFloat32) {
  for (const OptimCase& c : test::all_optim_cases()) expect_matches_reference(c, DType::Float32, false);
}

TEST(Optim, EveryAlgorithmMatchesTheFloat64ReferenceInFloat64) {
  for (const OptimCase& c : test::all_optim_cases()) expect_matches_reference(c, DType::Float64, false);
}

TEST(Optim, MisalignedViewsGiveTheSameResults) {
  for (const OptimCase& c : test::all_optim_cases()) {
    const OptimLists aligned = test::make_optim_lists(c.uses, kShapes, {});
    const OptimLists shifted = test::make_optim_lists(c.uses, kShapes, {}, true);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(shifted.params[2].data_ptr()) % 16, 4u);
    for (int64_t t = 1; t <= 3; ++t) {
      test::fill_golden_grads(aligned.grads, t);
      test::fill_golden_grads(shifted.grads, t);
      c.step(aligned.params, aligned.grads, aligned.states, {.step = t});
      c.step(shifted.params, shifted.grads, shifted.states, {.step = t});
    }
    for (std::size_t k = 0; k < kShapes.size(); ++k)
      EXPECT_EQ(aligned.params[k].to_vector<float>(), shifted.params[k].to_vector<float>())
          << c.name << " " << k;
  }
}

TEST(Optim, StepAndLrMayComeFromTensors) {
  constexpr double kLr = 0.015625;  // exact in float32, so both paths see the same number
  const DType step_dtypes[] = {DType::Int64, DType::Float32, DType::Float64};
  int index = 0;
  for (const OptimCase& c : test::all_optim_cases()) {
    const OptimLists host = test::make_optim_lists(c.uses, kShapes, {});
    const OptimLists device = test::make_optim_lists(c.uses, kShapes, {});
    const Tensor step_tensor = zeros({}, {.dtype = step_dtypes[index++ % 3]});
    const Tensor lr32 = full({1}, kLr, {.dtype = DType::Float32});
    const Tensor lr64 = full({}, kLr, {.dtype = DType::Float64});
    for (int64_t t = 1; t <= 3; ++t) {
      test::fill_golden_grads(host.grads, t);
      test::fill_golden_grads(device.grads, t);
      step_tensor.fill_(static_cast<double>(t));
      // The host step count (1000) must be ignored when a step tensor is given.
      c.step(device.params, device.grads, device.states,
             {.step = 1000, .step_tensor = step_tensor, .lr_tensor = lr32});
      c.step(host.params, host.grads, host.states, {.step = t, .lr_tensor = lr64});
    }
    for (std::size_t k = 0; k < kShapes.size(); ++k)
      EXPECT_EQ(host.params[k].to_vector<float>(), device.params[k].to_vector<float>()) << c.name;
  }
}

TEST(Optim, LrTensorReplacesTheHyperparameter) {
  const std::vector<Shape> shapes = {{5}};
  const OptimLists a = test::make_optim_lists({}, shapes, {});
  const OptimLists b = test::make_optim_lists({}, shapes, {});
  test::fill_golden_grads(a.grads, 1);
  test::fill_golden_grads(b.grads, 1);
  sgd_step(a.params, a.grads, {}, {.lr = 0.5});
  sgd_step(b.params, b.grads, {}, {.lr = 123.0}, {.lr_tensor = full({}, 0.5, {.dtype = DType::Float64})});
  EXPECT_EQ(a.params[0].to_vector<float>(), b.params[0].to_vector<float>());
}

TEST(Optim, EmptyListsAreANoOp) {
  EXPECT_NO_THROW(sgd_step({}, {}, {}, {.lr = 0.1}));
  EXPECT_NO_THROW(adam_step({}, {}, {}, {}, {}, {}));
  const Tensor p = ones({0});
  EXPECT_NO_THROW(adam_step({p}, {ones({0})}, {ones({0})}, {ones({0})}, {}, {}));
}

template <typename Fn> void expect_error_mentions(Fn fn, const std::vector<std::string>& parts) {
  test::expect_error<Error>(fn, parts);
}

TEST(Optim, ListErrorsNameTheTensorAtFault) {
  const TensorList params = {ones({2, 3}), ones({4})};
  const TensorList grads = {ones({2, 3}), ones({4})};
  const TensorList state = {zeros({2, 3}), zeros({4})};
  EXPECT_THROW(sgd_step(params, {ones({2, 3})}, {}, {.lr = 0.1}), ValueError);
  expect_error_mentions(
      [&] {
        sgd_step(params, {ones({2, 3})}, {}, {.lr = 0.1});
      },
      {"sgd_step", "grads has 1 tensors", "params has 2"});
  expect_error_mentions(
      [&] {
        adam_step(params, grads, state, {zeros({2, 3}), zeros({5})}, {}, {});
      },
      {"adam_step", "exp_avg_sqs[1]", "shape [5]", "params[1]", "shape [4]"});
  EXPECT_THROW(adam_step(params, grads, state, {zeros({2, 3}), zeros({5})}, {}, {}), ShapeError);
  const TensorList doubles = {ones({2, 3}, {.dtype = DType::Float64}), ones({4}, {.dtype = DType::Float64})};
  expect_error_mentions([&] { adagrad_step(params, doubles, state, {}); },
                        {"adagrad_step", "grads[0]", "float64", "float32", "one dtype per call"});
  EXPECT_THROW(adagrad_step(params, doubles, state, {}), DTypeError);
  const TensorList ints = {ones({2}, {.dtype = DType::Int32})};
  EXPECT_THROW(sgd_step(ints, ints, {}, {.lr = 0.1}), DTypeError);
  const TensorList halves = {ones({2}, {.dtype = DType::Float16})};
  EXPECT_THROW(sgd_step(halves, halves, {}, {.lr = 0.1}), DTypeError);
  const Tensor wide = ones({3, 4});
  expect_error_mentions(
      [&] {
        sgd_step({wide.t()}, {ones({4, 3}).t().t()}, {}, {.lr = 0.1});
      },
      {"params[0]", "not contiguous"});
  expect_error_mentions([&] { sgd_step(params, grads, {}, {.lr = 0.1, .momentum = 0.9}); },
                        {"momentum_buffers has 0 tensors"});
  expect_error_mentions([&] { rmsprop_step(params, grads, state, {}, {}, {.centered = true}); },
                        {"grad_avgs has 0 tensors"});
  expect_error_mentions([&] { adam_step(params, grads, state, state, {}, {.amsgrad = true}); },
                        {"max_exp_avg_sqs has 0 tensors"});
  EXPECT_THROW(sgd_step({Tensor()}, {ones({1})}, {}, {.lr = 0.1}), ValueError);
}

TEST(Optim, HyperparameterAndScalarErrors) {
  const TensorList p = {ones({3})}, g = {ones({3})}, s = {zeros({3})};
  EXPECT_THROW(sgd_step(p, g, {}, {.lr = -0.1}), ValueError);
  EXPECT_THROW(sgd_step(p, g, s, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}),
               ValueError);
  EXPECT_THROW(sgd_step(p, g, {}, {.lr = 0.1, .nesterov = true}), ValueError);
  EXPECT_THROW(sgd_step(p, g, {}, {.lr = 0.1, .weight_decay = -1}), ValueError);
  EXPECT_THROW(sgd_step(p, g, {}, {.lr = 0.1, .l1 = -1}), ValueError);
  EXPECT_THROW(adam_step(p, g, s, s, {}, {.beta1 = 1.0}), ValueError);
  EXPECT_THROW(adam_step(p, g, s, s, {}, {.beta2 = -0.1}), ValueError);
  EXPECT_THROW(adagrad_step(p, g, s, {.eps = -1}), ValueError);
  EXPECT_THROW(rmsprop_step(p, g, s, {}, {}, {.alpha = 1.5}), ValueError);
  EXPECT_THROW(sgd_step(p, g, {}, {.lr = 0.1}, {.step = 0}), ValueError);
  EXPECT_THROW(sgd_step(p, g, {}, {.lr = 0.1}, {.step_tensor = ones({2})}), ShapeError);
  EXPECT_THROW(sgd_step(p, g, {}, {.lr = 0.1}, {.step_tensor = ones({1}, {.dtype = DType::Int32})}),
               DTypeError);
  EXPECT_THROW(sgd_step(p, g, {}, {.lr = 0.1}, {.lr_tensor = ones({1}, {.dtype = DType::Int64})}),
               DTypeError);
  EXPECT_NO_THROW(sgd_step(p, g, {}, {.lr = 0.1}, {.step_tensor = ones({1}, {.dtype = DType::Float32})}));
}

}  // namespace
}  // namespace minidl::kernels
