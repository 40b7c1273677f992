// Builds what a run trains with from its Config: the optimizer (weights with
// weight decay, biases and batch-norm parameters without, as is usual for CNNs)
// and the learning-rate schedule, stepped once per optimizer step.
#pragma once

#include <memory>

#include "config.h"
#include "layers/module.h"
#include "optim/lr_scheduler.h"
#include "optim/optimizer.h"
#include "train/checkpoint.h"

namespace cifar10 {

struct OptimizerSetup {
  std::unique_ptr<minidl::optim::Optimizer> optimizer;
  minidl::train::StateHandle state;  // for checkpoints
};

OptimizerSetup make_optimizer(const Config& config, minidl::nn::Module& model);

/// The schedule over total_steps optimizer steps; nullptr for "none".
std::unique_ptr<minidl::optim::lr::Scheduler> make_schedule(const Config& config,
                                                            minidl::optim::Optimizer& optimizer,
                                                            int64_t total_steps);

}  // namespace cifar10
