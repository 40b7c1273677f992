// The fused first-order algorithms with torch.optim's semantics and defaults
// (docs/formulas.md), each with an `l1` option (adds l1*sign(p) to the gradient) for
// L1 / elastic-net regularization:
//   optim::SGD sgd(model.parameters(), {.lr = 0.1, .momentum = 0.9, .nesterov = true});
#pragma once

#include "optim/fused_optimizer.h"

namespace minidl::optim {

using SGDOptions = kernels::SgdParams;
using AdagradOptions = kernels::AdagradParams;
using RMSpropOptions = kernels::RmspropParams;
using AdamOptions = kernels::AdamParams;
using AdamWOptions = kernels::AdamWParams;

class SGD : public FusedOptimizer<SGDOptions> {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options);
  SGD(std::vector<ParamGroup<SGDOptions>> groups, SGDOptions defaults);
  std::optional<double> momentum(std::size_t group) const override;
  void set_momentum(std::size_t group, double momentum) override;

 protected:
  std::array<bool, kMaxStateBuffers> buffers_needed(const SGDOptions& options) const override;
  void update(const SGDOptions& options, Bucket& bucket) override;
};

class Adagrad : public FusedOptimizer<AdagradOptions> {
 public:
  explicit Adagrad(std::vector<Tensor> params, AdagradOptions options = {});
  Adagrad(std::vector<ParamGroup<AdagradOptions>> groups, AdagradOptions defaults);

 protected:
  std::array<bool, kMaxStateBuffers> buffers_needed(const AdagradOptions& options) const override;
  void update(const AdagradOptions& options, Bucket& bucket) override;
};

class RMSprop : public FusedOptimizer<RMSpropOptions> {
 public:
  explicit RMSprop(std::vector<Tensor> params, RMSpropOptions options = {});
  RMSprop(std::vector<ParamGroup<RMSpropOptions>> groups, RMSpropOptions defaults);
  std::optional<double> momentum(std::size_t group) const override;
  void set_momentum(std::size_t group, double momentum) override;

 protected:
  std::array<bool, kMaxStateBuffers> buffers_needed(const RMSpropOptions& options) const override;
  void update(const RMSpropOptions& options, Bucket& bucket) override;
};

class Adam : public FusedOptimizer<AdamOptions> {
 public:
  explicit Adam(std::vector<Tensor> params, AdamOptions options = {});
  Adam(std::vector<ParamGroup<AdamOptions>> groups, AdamOptions defaults);
  /// beta1, which one-cycle schedules cycle as momentum.
  std::optional<double> momentum(std::size_t group) const override;
  void set_momentum(std::size_t group, double beta1) override;

 protected:
  std::array<bool, kMaxStateBuffers> buffers_needed(const AdamOptions& options) const override;
  void update(const AdamOptions& options, Bucket& bucket) override;
};

class AdamW : public FusedOptimizer<AdamWOptions> {
 public:
  explicit AdamW(std::vector<Tensor> params, AdamWOptions options = {});
  AdamW(std::vector<ParamGroup<AdamWOptions>> groups, AdamWOptions defaults);
  std::optional<double> momentum(std::size_t group) const override;
  void set_momentum(std::size_t group, double beta1) override;

 protected:
  std::array<bool, kMaxStateBuffers> buffers_needed(const AdamWOptions& options) const override;
  void update(const AdamWOptions& options, Bucket& bucket) override;
};

}  // namespace minidl::optim
