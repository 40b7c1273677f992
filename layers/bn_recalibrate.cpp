// update_bn: each tracked, unlocked batch norm is reset and set to a cumulative average
// (momentum None) for the pass, so after B batches its statistics are the plain mean of the B
// batch statistics, independent of the order; momenta come back even if a forward throws.
#include "layers/bn_recalibrate.h"

#include "core/autograd.h"
#include "layers/batch_norm.h"

namespace minidl::nn {

int64_t recompute_batch_norm_statistics(Module& model, const BatchSource& next_batch) {
  std::vector<std::pair<BatchNormBase*, std::optional<double>>> saved;
  for (const auto& [name, module] : model.named_modules()) {
    auto* bn = dynamic_cast<BatchNormBase*>(module);
    if (bn != nullptr && bn->options().track_running_stats && !bn->eval_locked())
      saved.emplace_back(bn, bn->options().momentum);
  }
  if (saved.empty()) return 0;
  std::optional<Tensor> batch = next_batch();
  if (!batch) return 0;  // nothing to average: keep the statistics rather than reset them

  const bool was_training = model.is_training();
  auto restore = [&] {
    for (auto& [bn, momentum] : saved) bn->set_momentum(momentum);
    model.train(was_training);
  };
  for (auto& [bn, momentum] : saved) {
    bn->reset_running_stats();
    bn->set_momentum(std::nullopt);
  }
  model.train();
  autograd::NoGradGuard no_grad;
  int64_t count = 0;
  try {
    for (; batch; batch = next_batch(), ++count) model.forward(*batch);
  } catch (...) {
    restore();
    throw;
  }
  restore();
  return count;
}

int64_t recompute_batch_norm_statistics(Module& model, const std::vector<Tensor>& batches) {
  std::size_t next = 0;
  return recompute_batch_norm_statistics(model, [&]() -> std::optional<Tensor> {
    return next < batches.size() ? std::optional(batches[next++]) : std::nullopt;
  });
}

}  // namespace minidl::nn
