// Evaluation of a classifier over a whole dataset: eval mode, no gradients,
// test-time normalization (and optional flip test-time augmentation: the
// softmax of each image and its mirror averaged), in batches.
#pragma once

#include <cstdint>

#include "data/augment.h"
#include "data/image_dataset.h"
#include "layers/module.h"

namespace minidl::train {

struct EvalOptions {
  int64_t batch_size = 500;
  bool flip_tta = false;
};

struct Evaluation {
  double loss = 0;      // mean cross-entropy
  double accuracy = 0;  // in [0, 1]
};

/// Loss and accuracy of `model` on every sample of `dataset` (uint8 images, normalized as
/// `augment` says, on the dataset's device). Leaves the model in training mode afterwards if it was.
Evaluation evaluate(nn::Module& model, const data::ImageDataset& dataset, const data::Augment& augment,
                    EvalOptions options = {});

}  // namespace minidl::train
