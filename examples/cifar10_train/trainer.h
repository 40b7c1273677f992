// The CIFAR-10 training run: data on the device, per-step augmentation, the
// model, its optimizer and schedule, evaluation after every epoch (with
// flip test-time augmentation and EMA weights on request), metrics, HTML
// report and checkpoints that --resume continues exactly.
#pragma once

#include <ostream>

#include "config.h"
#include "data/image_dataset.h"

namespace cifar10 {

struct Result {
  double test_acc = 0;
  double ema_test_acc = -1;  // negative without --ema
  double train_acc = 0;      // of the last epoch, on augmented batches
  double train_s = 0;        // wall time of the training epochs (loading and augmentation included)
  double images_per_s = 0;
  int64_t epochs_run = 0;
};

/// Trains on `train` and evaluates on `test` (both uint8 images, any device) as `config` says;
/// progress goes to `log`.
Result run(const Config& config, const minidl::data::ImageDataset& train, const minidl::data::ImageDataset& test,
           std::ostream& log);

}  // namespace cifar10
