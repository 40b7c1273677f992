// Inverted dropout as a module (torch.nn.Dropout; docs/formulas.md): in training each
// element is zeroed with probability drop_prob and the rest scaled by 1 / (1 - drop_prob);
// in evaluation (eval()) the input passes through unchanged.
#pragma once

#include "core/generator.h"
#include "layers/module.h"

namespace minidl::nn {

class Dropout : public Module {
 public:
  /// drop_prob: the probability of zeroing an element (PyTorch's p).
  explicit Dropout(double drop_prob = 0.5);
  Tensor forward(const Tensor& input) override;
  /// "p=0.5, inplace=False", PyTorch's names (p is drop_prob; minidl's dropout is never in place).
  std::string extra_repr() const override;

  double drop_prob() const { return drop_prob_; }
  /// Draw masks from this generator (on the input's device) instead of the device's default.
  void set_generator(Generator* generator) { generator_ = generator; }

 private:
  double drop_prob_;
  Generator* generator_ = nullptr;
};

}  // namespace minidl::nn
