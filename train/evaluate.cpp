#include "train/evaluate.h"

#include <algorithm>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/loss.h"

namespace minidl::train {

Evaluation evaluate(nn::Module& model, const data::ImageDataset& dataset, const data::Augment& augment,
                    EvalOptions options) {
  MINIDL_CHECK(options.batch_size > 0, ValueError, "evaluate: batch_size must be positive");
  autograd::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  // Summed on the device and read once at the end: no synchronization per batch.
  Tensor loss_sum = zeros({}, {.dtype = DType::Float64, .device = dataset.images().device()});
  Tensor correct = zeros({}, {.dtype = DType::Float64, .device = dataset.images().device()});
  for (int64_t start = 0; start < dataset.size(); start += options.batch_size) {
    const int64_t n = std::min(options.batch_size, dataset.size() - start);
    const Tensor images = dataset.images().narrow(0, start, n);
    const Tensor labels = dataset.labels().narrow(0, start, n);
    Tensor logits = model(data::normalize(images, augment));
    if (options.flip_tta) {
      const Tensor mirrored = model(data::normalize(images, augment, /*flip=*/true));
      logits = log(0.5 * (softmax(logits, 1) + softmax(mirrored, 1)));
    }
    add_(loss_sum, cross_entropy(logits, labels, {.reduction = Reduction::Sum}).to(DType::Float64));
    add_(correct, num_correct(logits, labels));
  }
  model.train(was_training);
  const auto total = static_cast<double>(std::max<int64_t>(dataset.size(), 1));
  return {loss_sum.item() / total, correct.item() / total};
}

}  // namespace minidl::train
