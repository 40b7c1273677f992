// Per-step training loss and accuracy without a device sync per step: the values stay
// on the device and are read back together, one copy every `sync_every` steps (and at
// the end of an epoch), so the host keeps queueing work while the GPU runs.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace minidl::train {

struct StepValues {
  double loss = 0;      ///< the step's mean loss
  double accuracy = 0;  ///< fraction of the batch classified right
  int64_t samples = 0;  ///< batch size
};

class StepMetrics {
 public:
  /// sync_every >= 1; 1 reads every step back at once (free on the CPU).
  explicit StepMetrics(int64_t sync_every);
  /// Every step on the CPU, every 50 steps on a GPU.
  static int64_t default_sync_every(const Device& device) { return device.is_cpu() ? 1 : 50; }

  /// Records a step: `loss` a 0-dim tensor, logits and targets as for cross_entropy (values, not
  /// gradients, are kept). Returns the steps read back by this call, oldest first: none until
  /// sync_every steps are pending.
  std::vector<StepValues> add(const Tensor& loss, const Tensor& logits, const Tensor& targets);
  /// Reads back every pending step.
  std::vector<StepValues> flush();
  int64_t pending() const { return static_cast<int64_t>(samples_.size()); }

 private:
  int64_t sync_every_;
  std::vector<Tensor> losses_, corrects_;
  std::vector<int64_t> samples_;
};

}  // namespace minidl::train
