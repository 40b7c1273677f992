#include "optim/algorithms.h"

namespace minidl::optim {
namespace {
kernels::StepScalars scalars(const Bucket& bucket) { return {.step = bucket.step}; }
}  // namespace

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : FusedOptimizer(std::move(params), options, "SGD") {}
SGD::SGD(std::vector<ParamGroup<SGDOptions>> groups, SGDOptions defaults)
    : FusedOptimizer(std::move(groups), defaults, "SGD") {}
std::optional<double> SGD::momentum(std::size_t group) const { return groups_.at(group).options.momentum; }
void SGD::set_momentum(std::size_t group, double momentum) { groups_.at(group).options.momentum = momentum; }
std::array<bool, kMaxStateBuffers> SGD::buffers_needed(const SGDOptions& options) const {
  return {options.momentum != 0, false, false};
}
void SGD::update(const SGDOptions& options, Bucket& b) {
  kernels::sgd_step(b.params, b.grads, b.buffers[0], options, scalars(b));
}

Adagrad::Adagrad(std::vector<Tensor> params, AdagradOptions options)
    : FusedOptimizer(std::move(params), options, "Adagrad") {}
Adagrad::Adagrad(std::vector<ParamGroup<AdagradOptions>> groups, AdagradOptions defaults)
    : FusedOptimizer(std::move(groups), defaults, "Adagrad") {}
std::array<bool, kMaxStateBuffers> Adagrad::buffers_needed(const AdagradOptions&) const {
  return {true, false, false};
}
void Adagrad::update(const AdagradOptions& options, Bucket& b) {
  kernels::adagrad_step(b.params, b.grads, b.buffers[0], options, scalars(b));
}

RMSprop::RMSprop(std::vector<Tensor> params, RMSpropOptions options)
    : FusedOptimizer(std::move(params), options, "RMSprop") {}
RMSprop::RMSprop(std::vector<ParamGroup<RMSpropOptions>> groups, RMSpropOptions defaults)
    : FusedOptimizer(std::move(groups), defaults, "RMSprop") {}
std::optional<double> RMSprop::momentum(std::size_t group) const {
  return groups_.at(group).options.momentum;
}
void RMSprop::set_momentum(std::size_t group, double momentum) {
  groups_.at(group).options.momentum = momentum;
}
std::array<bool, kMaxStateBuffers> RMSprop::buffers_needed(const RMSpropOptions& options) const {
  return {true, options.momentum != 0, options.centered};
}
void RMSprop::update(const RMSpropOptions& options, Bucket& b) {
  kernels::rmsprop_step(b.params, b.grads, b.buffers[0], b.buffers[1], b.buffers[2], options, scalars(b));
}

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : FusedOptimizer(std::move(params), options, "Adam") {}
Adam::Adam(std::vector<ParamGroup<AdamOptions>> groups, AdamOptions defaults)
    : FusedOptimizer(std::move(groups), defaults, "Adam") {}
std::optional<double> Adam::momentum(std::size_t group) const { return groups_.at(group).options.beta1; }
void Adam::set_momentum(std::size_t group, double beta1) { groups_.at(group).options.beta1 = beta1; }
std::array<bool, kMaxStateBuffers> Adam::buffers_needed(const AdamOptions& options) const {
  return {true, true, options.amsgrad};
}
void Adam::update(const AdamOptions& options, Bucket& b) {
  kernels::adam_step(b.params, b.grads, b.buffers[0], b.buffers[1], b.buffers[2], options, scalars(b));
}

AdamW::AdamW(std::vector<Tensor> params, AdamWOptions options)
    : FusedOptimizer(std::move(params), options, "AdamW") {}
AdamW::AdamW(std::vector<ParamGroup<AdamWOptions>> groups, AdamWOptions defaults)
    : FusedOptimizer(std::move(groups), defaults, "AdamW") {}
std::optional<double> AdamW::momentum(std::size_t group) const { return groups_.at(group).options.beta1; }
void AdamW::set_momentum(std::size_t group, double beta1) { groups_.at(group).options.beta1 = beta1; }
std::array<bool, kMaxStateBuffers> AdamW::buffers_needed(const AdamWOptions& options) const {
  return {true, true, options.amsgrad};
}
void AdamW::update(const AdamWOptions& options, Bucket& b) {
  kernels::adamw_step(b.params, b.grads, b.buffers[0], b.buffers[1], b.buffers[2], options, scalars(b));
}

}  // namespace minidl::optim
