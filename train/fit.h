// The plain supervised loop the example programs share: for each batch of the
// loader, augment, forward, cross-entropy (with label smoothing), backward,
// optimizer step, schedule step, then an optional hook (EMA, snapshots).
#pragma once

#include <functional>

#include "data/augment.h"
#include "data/loader.h"
#include "layers/module.h"
#include "optim/lr_scheduler.h"
#include "optim/optimizer.h"
#include "train/divergence.h"

namespace minidl::train {

struct FitOptions {
  int64_t epochs = 1;
  data::Augment augment = {};
  double label_smoothing = 0.0;
  /// Called after every optimizer (and schedule) step.
  std::function<void()> after_step = nullptr;
  /// When to stop a diverging run (TrainingDivergedError); the reference floor is ln(classes).
  LossWatchOptions divergence = {};
};

/// Trains `model` for options.epochs passes over `loader`; returns the mean training loss of the
/// last epoch. A non-finite loss, or one far above its start (options.divergence), throws
/// TrainingDivergedError naming the step, epoch and lr.
double fit(nn::Module& model, optim::Optimizer& optimizer, optim::lr::Scheduler* schedule,
           data::DataLoader& loader, const FitOptions& options);

}  // namespace minidl::train
