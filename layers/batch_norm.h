// Batch normalization as torch.nn.BatchNorm1d/2d (Ioffe & Szegedy 2015; docs/formulas.md):
// training normalizes with the batch statistics and moves the running ones
// (running = (1-momentum)*running + momentum*batch, variance unbiased); evaluation uses the
// running statistics. Parameters weight (1) and bias (0); buffers running_mean (0),
// running_var (1) and num_batches_tracked (int64), PyTorch's names.
#pragma once

#include <optional>

#include "layers/module.h"

namespace minidl::nn {

struct BatchNormOptions {
  double eps = 1e-5;
  /// nullopt: a cumulative average (factor 1/num_batches_tracked), as PyTorch's momentum=None.
  std::optional<double> momentum = 0.1;
  bool affine = true;
  /// false: no running statistics; batch statistics are used in evaluation too.
  bool track_running_stats = true;
};

/// Shared by BatchNorm1d and BatchNorm2d, which differ only in the input ranks they accept.
class BatchNormBase : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  /// "32, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True" (momentum=None for
  /// the cumulative average), as PyTorch.
  std::string extra_repr() const override;

  int64_t num_features() const { return num_features_; }
  const BatchNormOptions& options() const { return options_; }
  /// Changes the running-statistics momentum (nullopt: cumulative average), e.g. for a
  /// recalibration pass over the training data.
  void set_momentum(std::optional<double> momentum) { options_.momentum = momentum; }
  /// Running statistics back to mean 0, variance 1, no batches tracked.
  void reset_running_stats();

  Tensor weight, bias;                                    // (C), undefined unless affine
  Tensor running_mean, running_var, num_batches_tracked;  // undefined unless track_running_stats

 protected:
  BatchNormBase(std::string type_name, int64_t num_features, BatchNormOptions options,
                std::vector<int64_t> allowed_ranks);

 private:
  int64_t num_features_;
  BatchNormOptions options_;
  std::vector<int64_t> allowed_ranks_;
};

/// Input (N, C) or (N, C, L).
class BatchNorm1d : public BatchNormBase {
 public:
  explicit BatchNorm1d(int64_t num_features, BatchNormOptions options = {});
};

/// Input (N, C, H, W).
class BatchNorm2d : public BatchNormBase {
 public:
  explicit BatchNorm2d(int64_t num_features, BatchNormOptions options = {});
};

}  // namespace minidl::nn
