// Fully connected layers, as torch.nn.Linear: y = x @ weight^T + bias, weight [out, in],
// bias [out], both initialized U(-1/sqrt(in), 1/sqrt(in)). DropConnectLinear (Wan et al.
// 2013; docs/formulas.md) drops each weight with probability drop_prob in training, one mask
// per forward pass shared by the whole batch, and uses the plain weight in evaluation.
#pragma once

#include "core/generator.h"
#include "layers/module.h"

namespace minidl::nn {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& input) override;
  /// "in_features=512, out_features=10, bias=True", as PyTorch.
  std::string extra_repr() const override;

  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }

  Tensor weight;  // [out_features, in_features]
  Tensor bias;    // [out_features], undefined without bias

 protected:
  Linear(std::string type_name, int64_t in_features, int64_t out_features, bool bias);
  /// ShapeError unless the input's last dim is in_features.
  void check_input(const Tensor& input) const;

 private:
  int64_t in_features_, out_features_;
};

class DropConnectLinear : public Linear {
 public:
  /// drop_prob: the probability of dropping each weight (the bias is never dropped).
  DropConnectLinear(int64_t in_features, int64_t out_features, double drop_prob = 0.5, bool bias = true);
  Tensor forward(const Tensor& input) override;
  /// minidl's form: Linear's, then ", drop_prob=0.5" (named drop_prob, not p: it drops weights).
  std::string extra_repr() const override;

  double drop_prob() const { return drop_prob_; }
  /// Draw masks from this generator (on the weight's device) instead of the device's default.
  void set_generator(Generator* generator) { generator_ = generator; }

 private:
  double drop_prob_;
  Generator* generator_ = nullptr;
};

}  // namespace minidl::nn
