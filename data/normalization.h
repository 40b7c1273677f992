// The per-channel statistics that normalization uses, (x/255 - mean) / std: named presets for
// the well-known data sets, and channel_stats() (image_dataset.h) to measure them on yours.
// No data set gets another's statistics by default.
#pragma once

#include <vector>

namespace minidl::data {

struct Normalization {
  std::vector<double> mean, std;  ///< per channel, of pixel values scaled to [0, 1]

  /// CIFAR-10's training set: (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616).
  static Normalization cifar10() { return {{0.4914, 0.4822, 0.4465}, {0.2470, 0.2435, 0.2616}}; }
  /// CIFAR-100's training set: (0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762).
  static Normalization cifar100() { return {{0.5071, 0.4865, 0.4409}, {0.2673, 0.2564, 0.2762}}; }
  /// ImageNet's, as torchvision's pretrained models expect: (0.485, 0.456, 0.406), (0.229, 0.224, 0.225).
  static Normalization imagenet() { return {{0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}}; }
};

}  // namespace minidl::data
