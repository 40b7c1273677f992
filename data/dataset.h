// An in-memory image classification dataset: uint8 images [N, C, H, W] and int64 labels [N]
// on one device (the CPU, or already on a CUDA device), with class names; and the subset
// helpers for small runs and transfer learning (first K per class, chosen indices, chosen classes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace minidl::data {

/// A batch as the loader hands it out: images uint8 [B, C, H, W], labels int64 [B].
struct Batch {
  Tensor images;
  Tensor labels;
};

class Dataset {
 public:
  Dataset() = default;
  /// images uint8 [N, C, H, W], labels int64 [N] on the same device, every label in [0, num_classes)
  /// (checked when the labels are on the CPU); class_names empty or num_classes long.
  Dataset(Tensor images, Tensor labels, int64_t num_classes, std::vector<std::string> class_names = {});

  int64_t size() const { return images_.defined() ? images_.size(0) : 0; }
  const Tensor& images() const { return images_; }
  const Tensor& labels() const { return labels_; }
  int64_t num_classes() const { return num_classes_; }
  const std::vector<std::string>& class_names() const { return class_names_; }
  Device device() const { return images_.device(); }
  /// [C, H, W]
  Shape image_shape() const;

  /// The same dataset on `device` (this one if already there).
  Dataset to(const Device& device) const;
  /// Samples at `indices` (in that order), gathered on the dataset's device.
  Batch gather(const std::vector<int64_t>& indices) const;

 private:
  Tensor images_, labels_;
  int64_t num_classes_ = 0;
  std::vector<std::string> class_names_;
};

/// The samples at `indices`, same classes.
Dataset subset(const Dataset& dataset, const std::vector<int64_t>& indices);
/// The first `per_class` samples of every class (fewer where a class has fewer), in dataset order.
Dataset first_per_class(const Dataset& dataset, int64_t per_class);
/// Only the samples of `classes`, relabelled 0..k-1 in the order given (class names follow).
Dataset select_classes(const Dataset& dataset, const std::vector<int64_t>& classes);
/// Number of samples of each class.
std::vector<int64_t> class_counts(const Dataset& dataset);

}  // namespace minidl::data
