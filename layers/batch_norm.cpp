// BatchNorm1d/2d over the differentiable batch_norm() op. The layer owns what the op does not:
// choosing batch or running statistics (PyTorch's bn_training rule), counting batches, and the
// cumulative-average momentum.
#include "layers/batch_norm.h"

#include <algorithm>

#include "core/autograd.h"
#include "core/ops/batch_norm.h"
#include "core/ops/elementwise.h"
#include "layers/repr.h"

namespace minidl::nn {

BatchNormBase::BatchNormBase(std::string type_name, int64_t num_features, BatchNormOptions options,
                             std::vector<int64_t> allowed_ranks)
    : Module(std::move(type_name)),
      num_features_(num_features),
      options_(options),
      allowed_ranks_(std::move(allowed_ranks)) {
  MINIDL_CHECK(num_features > 0, ValueError, this->type_name(), ": num_features must be positive, got ",
               num_features);
  MINIDL_CHECK(options.eps > 0.0, ValueError, this->type_name(), ": eps must be positive, got ", options.eps);
  weight = register_parameter("weight", options.affine ? ones({num_features}) : Tensor());
  bias = register_parameter("bias", options.affine ? zeros({num_features}) : Tensor());
  if (options.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({num_features}));
    running_var = register_buffer("running_var", ones({num_features}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, {.dtype = DType::Int64}));
  }
}

void BatchNormBase::reset_running_stats() {
  if (!options_.track_running_stats) return;
  autograd::NoGradGuard no_grad;
  running_mean.zero_();
  running_var.fill_(1.0);
  num_batches_tracked.zero_();
}

Tensor BatchNormBase::forward(const Tensor& input) {
  const bool rank_ok =
      std::find(allowed_ranks_.begin(), allowed_ranks_.end(), input.dim()) != allowed_ranks_.end();
  MINIDL_CHECK(rank_ok && input.size(1) == num_features_, ShapeError, type_name(), "(", num_features_,
               "): expected input (N, ", num_features_, allowed_ranks_.back() == 4 ? ", H, W)" : "[, L])",
               ", got shape ", shape_str(input.shape()));
  double momentum = options_.momentum.value_or(0.0);
  if (is_training() && options_.track_running_stats) {
    autograd::NoGradGuard no_grad;
    add_(num_batches_tracked, ones({}, {.dtype = DType::Int64, .device = num_batches_tracked.device()}));
    // PyTorch's momentum=None: the running statistics become the plain average of all batches.
    if (!options_.momentum) momentum = 1.0 / num_batches_tracked.item();
  }
  // Batch statistics in training, and always when there are no running statistics (then
  // undefined) to use; the op updates running statistics only when it normalizes by the batch.
  return batch_norm(input, running_mean, running_var, weight, bias,
                    is_training() || !options_.track_running_stats, momentum, options_.eps);
}

std::string BatchNormBase::extra_repr() const {
  return detail::str_cat(num_features_, ", eps=", repr::py_float(options_.eps),
                         ", momentum=", options_.momentum ? repr::py_float(*options_.momentum) : "None",
                         ", affine=", repr::py_bool(options_.affine),
                         ", track_running_stats=", repr::py_bool(options_.track_running_stats));
}

BatchNorm1d::BatchNorm1d(int64_t num_features, BatchNormOptions options)
    : BatchNormBase("BatchNorm1d", num_features, options, {2, 3}) {}

BatchNorm2d::BatchNorm2d(int64_t num_features, BatchNormOptions options)
    : BatchNormBase("BatchNorm2d", num_features, options, {4}) {}

}  // namespace minidl::nn
