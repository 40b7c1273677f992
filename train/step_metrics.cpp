#include "train/step_metrics.h"

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops/loss.h"
#include "core/ops/shape.h"

namespace minidl::train {

StepMetrics::StepMetrics(int64_t sync_every) : sync_every_(sync_every) {
  MINIDL_CHECK(sync_every >= 1, ValueError, "StepMetrics: sync_every must be at least 1, got ", sync_every);
}

std::vector<StepValues> StepMetrics::add(const Tensor& loss, const Tensor& logits, const Tensor& targets) {
  MINIDL_CHECK(loss.numel() == 1, ShapeError, "StepMetrics: the loss must hold one value, got shape ",
               shape_str(loss.shape()));
  autograd::NoGradGuard no_grad;
  losses_.push_back(loss.detach().to(DType::Float64).reshape({1}));
  corrects_.push_back(num_correct(logits.detach(), targets).reshape({1}));
  samples_.push_back(targets.numel());
  if (pending() < sync_every_) return {};
  return flush();
}

std::vector<StepValues> StepMetrics::flush() {
  if (samples_.empty()) return {};
  std::vector<Tensor> all = losses_;
  all.insert(all.end(), corrects_.begin(), corrects_.end());
  const std::vector<double> values = cat(all).to_vector<double>();  // the one synchronizing copy
  const std::size_t steps = samples_.size();
  std::vector<StepValues> read(steps);
  for (std::size_t i = 0; i < steps; ++i) {
    const auto n = static_cast<double>(samples_[i]);
    read[i] = {values[i], samples_[i] > 0 ? values[steps + i] / n : 0.0, samples_[i]};
  }
  losses_.clear();
  corrects_.clear();
  samples_.clear();
  return read;
}

}  // namespace minidl::train
