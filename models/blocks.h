// Pieces shared by the ready-made models: channel counts under a width multiplier,
// the conv3x3-BN-ReLU stack of the CIFAR networks (PyTorch names 0 = conv, 1 = bn, 2 = relu),
// and the argument checks every model constructor makes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "layers/container.h"

namespace minidl::models {

/// round(channels * width), at least 1 (the PyTorch twins compute int(c * w + 0.5) alike).
int64_t scaled_channels(int64_t channels, double width);

/// Sequential(Conv2d(in, out, 3, padding=1, bias=False), BatchNorm2d(out), ReLU()).
std::shared_ptr<nn::Sequential> conv_bn_relu(int64_t in_channels, int64_t out_channels);

/// ValueError naming `model` unless num_classes > 0, width > 0 and 0 <= dropout < 1.
void check_model_args(const std::string& model, int64_t num_classes, double width, double dropout = 0.0);

}  // namespace minidl::models
