// MLP: a multilayer perceptron over flattened inputs, Linear -> activation -> dropout for
// each hidden layer and a final Linear producing the logits. PyTorch twin: MLP in
// scripts/export_torch_weights.py.
#pragma once

#include <string>
#include <vector>

#include "layers/container.h"

namespace minidl::models {

struct MLPOptions {
  /// Layer widths: {in_features, hidden..., num_classes}; at least two entries.
  std::vector<int64_t> sizes = {3 * 32 * 32, 512, 256, 10};
  /// "relu", "gelu", "tanh", "sigmoid" or "leaky_relu" (slope 0.01).
  std::string activation = "relu";
  double dropout = 0.0;  // after each hidden activation
};

/// Parameter names: layers.{3i}.weight [sizes[i+1], sizes[i]] and layers.{3i}.bias for
/// i = 0..L-1 (layers.{3i+1} activation and layers.{3i+2} Dropout, present even at
/// dropout 0, so the names do not depend on it).
/// forward: x [N, ...] with prod(...) = sizes[0] -> logits [N, sizes.back()].
class MLP : public nn::Module {
 public:
  explicit MLP(MLPOptions options = {});
  Tensor forward(const Tensor& input) override;

  const MLPOptions& options() const { return options_; }
  std::shared_ptr<nn::Sequential> layers;

 private:
  MLPOptions options_;
};

}  // namespace minidl::models
