// An in-memory image classification dataset: uint8 images [N, C, H, W] and int64 labels [N]
// on one device (the CPU, or already on a CUDA device), with class names; and the subset
// helpers for small runs and transfer learning (first K per class, chosen indices, chosen classes).
// Its batches: input uint8 [B, C, H, W], target int64 [B].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/normalization.h"

namespace minidl::data {

class ImageDataset final : public Dataset {
 public:
  ImageDataset() = default;
  /// images uint8 [N, C, H, W], labels int64 [N] on the same device, every label in [0, num_classes)
  /// (checked when the labels are on the CPU); class_names empty or num_classes long.
  ImageDataset(Tensor images, Tensor labels, int64_t num_classes, std::vector<std::string> class_names = {});

  int64_t size() const override { return images_.defined() ? images_.size(0) : 0; }
  /// Image `index` (uint8 [C, H, W]) and its label (0-d int64).
  Example get(int64_t index) const override;
  /// One gather on the dataset's device.
  Batch get_batch(const std::vector<int64_t>& indices) const override { return gather(indices); }
  const Tensor& images() const { return images_; }
  const Tensor& labels() const { return labels_; }
  int64_t num_classes() const { return num_classes_; }
  const std::vector<std::string>& class_names() const { return class_names_; }
  Device device() const override { return images_.defined() ? images_.device() : Device::cpu(); }
  /// [C, H, W]
  Shape image_shape() const;

  /// The same dataset on `device` (this one if already there).
  ImageDataset to(const Device& device) const;
  /// Samples at `indices` (in that order), gathered on the dataset's device.
  Batch gather(const std::vector<int64_t>& indices) const;

 private:
  Tensor images_, labels_;
  int64_t num_classes_ = 0;
  std::vector<std::string> class_names_;
};

/// The samples at `indices`, same classes.
ImageDataset subset(const ImageDataset& dataset, const std::vector<int64_t>& indices);
/// The first `per_class` samples of every class (fewer where a class has fewer), in dataset order.
ImageDataset first_per_class(const ImageDataset& dataset, int64_t per_class);
/// Only the samples of `classes`, relabelled 0..k-1 in the order given (class names follow).
ImageDataset select_classes(const ImageDataset& dataset, const std::vector<int64_t>& classes);
/// Number of samples of each class.
std::vector<int64_t> class_counts(const ImageDataset& dataset);
/// The per-channel mean and (population) standard deviation of the pixels scaled to [0, 1],
/// over every image: the statistics to normalize this data set with.
Normalization channel_stats(const ImageDataset& dataset);

}  // namespace minidl::data
