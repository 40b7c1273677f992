#include "setup.h"

#include "optim/algorithms.h"

namespace cifar10 {
namespace mo = minidl::optim;
using minidl::Tensor;

namespace {

// Two groups: weights (dim > 1) decay, biases and batch-norm scales/shifts do not.
template <typename Options>
std::vector<mo::ParamGroup<Options>> groups(minidl::nn::Module& model, Options decayed) {
  Options plain = decayed;
  plain.weight_decay = 0;
  plain.l1 = 0;
  mo::ParamGroup<Options> weights{{}, decayed}, others{{}, plain};
  for (const Tensor& p : model.parameters()) (p.dim() > 1 ? weights : others).params.push_back(p);
  return {weights, others};
}

template <typename Algorithm, typename Options>
OptimizerSetup build(minidl::nn::Module& model, Options options) {
  auto optimizer = std::make_unique<Algorithm>(groups(model, options), options);
  minidl::train::StateHandle state = minidl::train::state_handle(*optimizer);
  return {std::move(optimizer), std::move(state)};
}

}  // namespace

OptimizerSetup make_optimizer(const Config& c, minidl::nn::Module& model) {
  const std::string& name = c.optimizer;
  if (name == "sgd" || name == "momentum" || name == "nesterov")
    return build<mo::SGD>(model, mo::SGDOptions{.lr = c.lr,
                                                .momentum = name == "sgd" ? 0.0 : c.momentum,
                                                .dampening = 0,
                                                .weight_decay = c.weight_decay,
                                                .l1 = c.l1,
                                                .nesterov = name == "nesterov"});
  if (name == "adagrad")
    return build<mo::Adagrad>(model,
                              mo::AdagradOptions{.lr = c.lr, .weight_decay = c.weight_decay, .l1 = c.l1});
  if (name == "rmsprop")
    return build<mo::RMSprop>(
        model,
        mo::RMSpropOptions{.lr = c.lr, .weight_decay = c.weight_decay, .momentum = c.momentum, .l1 = c.l1});
  if (name == "adam")
    return build<mo::Adam>(model, mo::AdamOptions{.lr = c.lr, .weight_decay = c.weight_decay, .l1 = c.l1});
  if (name == "adamw")
    return build<mo::AdamW>(model, mo::AdamWOptions{.lr = c.lr, .weight_decay = c.weight_decay, .l1 = c.l1});
  throw minidl::ValueError("unknown optimizer '" + name + "'");
}

std::unique_ptr<mo::lr::Scheduler> make_schedule(const Config& c, mo::Optimizer& optimizer,
                                                 int64_t total_steps) {
  if (c.schedule == "onecycle")
    return std::make_unique<mo::lr::OneCycleLR>(
        optimizer, mo::lr::OneCycleOptions{
                       .max_lr = c.lr,
                       .total_steps = total_steps,
                       .cycle_momentum = optimizer.momentum(0).has_value() && *optimizer.momentum(0) > 0});
  if (c.schedule == "cosine") return std::make_unique<mo::lr::CosineAnnealingLR>(optimizer, total_steps);
  if (c.schedule == "step")
    return std::make_unique<mo::lr::MultiStepLR>(optimizer,
                                                 std::vector<int64_t>{total_steps / 2, total_steps * 3 / 4});
  return nullptr;
}

}  // namespace cifar10
