// CrossEntropyLoss checks its options once at construction; the computation is the fused op.
#include "layers/loss.h"

namespace minidl::nn {

CrossEntropyLoss::CrossEntropyLoss(CrossEntropyOptions options)
    : Module("CrossEntropyLoss"), options_(options) {
  MINIDL_CHECK(options.label_smoothing >= 0.0 && options.label_smoothing <= 1.0, ValueError,
               "CrossEntropyLoss: label_smoothing must be in [0, 1], got ", options.label_smoothing);
}

Tensor CrossEntropyLoss::operator()(const Tensor& logits, const Tensor& targets) const {
  return cross_entropy(logits, targets, options_);
}

}  // namespace minidl::nn
