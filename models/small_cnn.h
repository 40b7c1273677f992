// SmallCNN: a three-stage CIFAR network, conv3x3(no bias)-BN-ReLU-maxpool2 with 32, 64 and
// 128 channels (times width), then flatten, dropout and a linear classifier over 128*4*4
// features, so it expects 32x32 inputs. PyTorch twin: SmallCNN in scripts/export_torch_weights.py.
#pragma once

#include "layers/container.h"

namespace minidl::models {

struct SmallCNNOptions {
  int64_t num_classes = 10;
  double dropout = 0.25;  // drop probability before the classifier
  double width = 1.0;     // channel multiplier: 32w, 64w, 128w
};

/// Parameter names (PyTorch's, as nn.Sequential numbers its children):
///   features.{0,4,8}.weight                    convs [C_out, C_in, 3, 3], no bias
///   features.{1,5,9}.{weight,bias}             batch norms, with buffers running_mean,
///                                              running_var, num_batches_tracked (int64)
///   features.{2,6,10} ReLU, features.{3,7,11} MaxPool2d(2)
///   classifier.0 Dropout, classifier.1.{weight,bias}   Linear(128w*16 -> num_classes)
/// forward: classifier(features(x).flatten(1)), x [N, 3, 32, 32] -> logits [N, num_classes].
class SmallCNN : public nn::Module {
 public:
  explicit SmallCNN(SmallCNNOptions options = {});
  Tensor forward(const Tensor& input) override;

  const SmallCNNOptions& options() const { return options_; }
  std::shared_ptr<nn::Sequential> features, classifier;

 private:
  SmallCNNOptions options_;
};

}  // namespace minidl::models
