// Batch-norm recalibration for averaged weights (SWA / EMA / Polyak; Izmailov et al. 2018):
// running statistics of the live weights do not fit averaged ones, so recompute them with
// torch.optim.swa_utils.update_bn's semantics — reset, then one pass over training batches in
// train mode with momentum None, i.e. running = (1/B) Σ_b batch statistic_b (variance unbiased).
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "layers/module.h"

namespace minidl::nn {

/// Yields the next input batch, or nullopt when the data is exhausted (e.g. wrapping a loader).
using BatchSource = std::function<std::optional<Tensor>()>;

/// Resets and recomputes every batch norm's running statistics over the batches, forwarding them
/// through the model in training mode without gradient; each batch norm's momentum and the
/// model's training mode are restored afterwards. Batch norms locked in evaluation mode by
/// freeze() keep their statistics. Returns the number of batches used; with none (or no batch
/// norm) nothing changes.
int64_t recompute_batch_norm_statistics(Module& model, const BatchSource& next_batch);
int64_t recompute_batch_norm_statistics(Module& model, const std::vector<Tensor>& batches);

}  // namespace minidl::nn
