// The optimizer base: parameter groups, each with its own options (lr, weight
// decay, algorithm settings), per-parameter state, step()/zero_grad(), and the
// hooks learning-rate schedules use. Algorithms derive from OptimizerBase<Options>.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "core/tensor.h"

namespace minidl::optim {

/// What schedules see of any optimizer: per-group lr and (where the algorithm has one) momentum.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  /// Applies one update to every parameter that has a gradient.
  virtual void step() = 0;
  /// Drops every gradient (set_to_none, PyTorch's default) or zeroes it in place.
  virtual void zero_grad(bool set_to_none = true) = 0;

  virtual std::size_t num_groups() const = 0;
  virtual double lr(std::size_t group) const = 0;
  virtual void set_lr(std::size_t group, double lr) = 0;
  /// SGD/RMSprop momentum or Adam's beta1, for one-cycle momentum cycling; nullopt if none.
  virtual std::optional<double> momentum(std::size_t group) const = 0;
  virtual void set_momentum(std::size_t group, double momentum) = 0;
};

/// A list of parameters sharing one set of options.
template <typename Options>
struct ParamGroup {
  std::vector<Tensor> params;
  Options options;
};

/// Groups, defaults and the lr/momentum plumbing shared by all algorithms.
/// Options must have a double `lr`; momentum_of/set_momentum_of adapt the momentum field.
template <typename Options>
class OptimizerBase : public Optimizer {
 public:
  OptimizerBase(std::vector<Tensor> params, Options defaults) : defaults_(defaults) {
    add_param_group({std::move(params), defaults});
  }
  OptimizerBase(std::vector<ParamGroup<Options>> groups, Options defaults) : defaults_(defaults) {
    for (auto& group : groups) add_param_group(std::move(group));
  }

  /// Adds a group (e.g. a backbone with a smaller lr); its options are used as given.
  void add_param_group(ParamGroup<Options> group) {
    for (const Tensor& p : group.params)
      MINIDL_CHECK(p.defined() && is_floating(p.dtype()), ValueError,
                   "optimizer: parameters must be defined floating tensors");
    groups_.push_back(std::move(group));
  }

  std::vector<ParamGroup<Options>>& param_groups() { return groups_; }
  const std::vector<ParamGroup<Options>>& param_groups() const { return groups_; }
  const Options& defaults() const { return defaults_; }

  void zero_grad(bool set_to_none = true) override {
    for (auto& group : groups_)
      for (const Tensor& p : group.params) {
        if (set_to_none || !p.grad().defined()) p.set_grad(Tensor());
        else p.grad().zero_();
      }
  }

  std::size_t num_groups() const override { return groups_.size(); }
  double lr(std::size_t group) const override { return groups_.at(group).options.lr; }
  void set_lr(std::size_t group, double lr) override { groups_.at(group).options.lr = lr; }
  std::optional<double> momentum(std::size_t) const override { return std::nullopt; }
  void set_momentum(std::size_t, double) override {}

 protected:
  std::vector<ParamGroup<Options>> groups_;
  Options defaults_;
};

}  // namespace minidl::optim
