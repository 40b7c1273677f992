// Every optimizer configuration the kernel tests run, as one uniform case: the fused
// entry point of kernels/optim.h over (params, grads, up to three state lists) and the
// float64 reference step of tests/kernels/optim_reference.h that it must match.
#pragma once

#include <array>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "kernels/optim.h"
#include "kernels/optim_reference.h"

namespace minidl::test {

using States = std::array<kernels::TensorList, 3>;

struct OptimCase {
  std::string name;
  double lr = 0.0;
  std::array<bool, 3> uses{};  // which state lists the configuration needs
  std::function<void(const kernels::TensorList&, const kernels::TensorList&, const States&,
                     const kernels::StepScalars&)>
      step;
  std::function<void(RefElement&, double g, int64_t t, double lr)> ref;
  std::function<double(const RefElement&, int list)> state_of;
};

inline OptimCase sgd_case(std::string name, kernels::SgdParams hp) {
  return {std::move(name),
          hp.lr,
          {hp.momentum != 0.0, false, false},
          [hp](const auto& p, const auto& g, const States& s, const auto& sc) {
            kernels::sgd_step(p, g, s[0], hp, sc);
          },
          [hp](RefElement& e, double g, int64_t t, double lr) { ref_sgd(e, g, hp, t, lr); },
          [](const RefElement& e, int) { return e.s1; }};
}

inline OptimCase adagrad_case(std::string name, kernels::AdagradParams hp) {
  return {std::move(name),
          hp.lr,
          {true, false, false},
          [hp](const auto& p, const auto& g, const States& s, const auto& sc) {
            kernels::adagrad_step(p, g, s[0], hp, sc);
          },
          [hp](RefElement& e, double g, int64_t t, double lr) { ref_adagrad(e, g, hp, t, lr); },
          [](const RefElement& e, int) { return e.s1; }};
}

/// Lists: square_avgs, momentum_buffers, grad_avgs.
inline OptimCase rmsprop_case(std::string name, kernels::RmspropParams hp) {
  return {std::move(name),
          hp.lr,
          {true, hp.momentum != 0.0, hp.centered},
          [hp](const auto& p, const auto& g, const States& s, const auto& sc) {
            kernels::rmsprop_step(p, g, s[0], s[1], s[2], hp, sc);
          },
          [hp](RefElement& e, double g, int64_t t, double lr) { ref_rmsprop(e, g, hp, t, lr); },
          [](const RefElement& e, int list) { return list == 0   ? e.s1
                                                     : list == 1 ? e.s2
                                                                 : e.s3; }};
}

/// Lists: exp_avgs, exp_avg_sqs, max_exp_avg_sqs.
inline OptimCase adam_case(std::string name, kernels::AdamParams hp) {
  return {std::move(name),
          hp.lr,
          {true, true, hp.amsgrad},
          [hp](const auto& p, const auto& g, const States& s, const auto& sc) {
            kernels::adam_step(p, g, s[0], s[1], s[2], hp, sc);
          },
          [hp](RefElement& e, double g, int64_t t, double lr) { ref_adam(e, g, hp, t, lr); },
          [](const RefElement& e, int list) { return list == 0   ? e.s1
                                                     : list == 1 ? e.s2
                                                                 : e.s3; }};
}

inline OptimCase adamw_case(std::string name, kernels::AdamWParams hp) {
  OptimCase c = adam_case(std::move(name), as_adam(hp));
  c.step = [hp](const auto& p, const auto& g, const States& s, const auto& sc) {
    kernels::adamw_step(p, g, s[0], s[1], s[2], hp, sc);
  };
  return c;
}

/// One case per branch of every algorithm (momentum, dampening, Nesterov, centered,
/// amsgrad, decoupled decay), with weight decay and L1 spread over them.
inline std::vector<OptimCase> all_optim_cases() {
  return {
      sgd_case("sgd", {.lr = 0.1}),
      sgd_case("sgd_l2_l1", {.lr = 0.1, .weight_decay = 0.1, .l1 = 0.05}),
      sgd_case("sgd_momentum", {.lr = 0.1, .momentum = 0.9}),
      sgd_case("sgd_dampening", {.lr = 0.1, .momentum = 0.9, .dampening = 0.3, .weight_decay = 0.01}),
      sgd_case("sgd_nesterov_l1", {.lr = 0.1, .momentum = 0.9, .l1 = 0.02, .nesterov = true}),
      adagrad_case("adagrad", {.lr = 0.1}),
      adagrad_case(
          "adagrad_decay_l1",
          {.lr = 0.1, .lr_decay = 0.05, .weight_decay = 0.01, .initial_accumulator_value = 0.5, .l1 = 0.01}),
      rmsprop_case("rmsprop_l1", {.lr = 0.01, .weight_decay = 0.01, .l1 = 0.003}),
      rmsprop_case("rmsprop_momentum", {.lr = 0.01, .momentum = 0.9}),
      rmsprop_case("rmsprop_centered", {.lr = 0.01, .alpha = 0.9, .centered = true}),
      rmsprop_case("rmsprop_centered_momentum",
                   {.lr = 0.01, .weight_decay = 0.1, .momentum = 0.5, .centered = true}),
      adam_case("adam", {.lr = 0.01}),
      adam_case("adam_l2", {.lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .weight_decay = 0.1}),
      adam_case("adam_amsgrad_l1", {.lr = 0.01, .weight_decay = 0.05, .amsgrad = true, .l1 = 0.01}),
      adamw_case("adamw", {.lr = 0.01}),
      adamw_case("adamw_amsgrad_l1", {.lr = 0.01, .weight_decay = 0.1, .amsgrad = true, .l1 = 0.02})};
}

/// Params (tensor k starts at golden_value(i, 0, 100 + k)), grads and the state lists a
/// case uses, filled with NaN: at t = 1 the kernels must write state without reading it.
/// `misaligned` places every tensor one element into its storage (no 16-byte vectors).
struct OptimLists {
  kernels::TensorList params, grads;
  States states;
};

inline Tensor make_tensor(const Shape& shape, TensorOptions options, bool misaligned, double fill) {
  if (!misaligned) return full(shape, fill, options);
  const int64_t n = shape_numel(shape);
  return full({n + 1}, fill, options).narrow(0, 1, n).view(shape);
}

inline OptimLists make_optim_lists(const std::array<bool, 3>& uses, const std::vector<Shape>& shapes,
                                   TensorOptions options, bool misaligned = false) {
  OptimLists lists;
  for (std::size_t k = 0; k < shapes.size(); ++k) {
    const Shape& shape = shapes[k];
    std::vector<double> start(static_cast<std::size_t>(shape_numel(shape)));
    for (std::size_t i = 0; i < start.size(); ++i)
      start[i] = golden_value(static_cast<int64_t>(i), 0, 100 + static_cast<int64_t>(k));
    lists.params.push_back(make_tensor(shape, options, misaligned, 0.0));
    lists.params.back().copy_(from_vector(start, shape));
    lists.grads.push_back(make_tensor(shape, options, misaligned, 0.0));
    for (int l = 0; l < 3; ++l)
      if (uses[static_cast<std::size_t>(l)])
        lists.states[static_cast<std::size_t>(l)].push_back(make_tensor(shape, options, misaligned, NAN));
  }
  return lists;
}

/// The gradients of step t: grad of tensor k = golden_value(i, t, 1 + k) * golden_grad_scale(t).
inline std::vector<double> golden_grad(int64_t numel, int64_t t, int64_t k) {
  std::vector<double> g(static_cast<std::size_t>(numel));
  for (std::size_t i = 0; i < g.size(); ++i)
    g[i] = golden_value(static_cast<int64_t>(i), t, 1 + k) * golden_grad_scale(t);
  return g;
}

inline void fill_golden_grads(const kernels::TensorList& grads, int64_t t) {
  for (std::size_t k = 0; k < grads.size(); ++k)
    grads[k].copy_(from_vector(golden_grad(grads[k].numel(), t, static_cast<int64_t>(k)), grads[k].shape()));
}

}  // namespace minidl::test
