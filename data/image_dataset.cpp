// ImageDataset construction checks, device moves, gathers (memcpy per sample on the CPU, the
// index_select kernel on CUDA) and the subset helpers.
#include "data/image_dataset.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "kernels/shape.h"

namespace minidl::data {
namespace {

std::vector<int64_t> host_labels(const ImageDataset& dataset) {
  return dataset.labels().to(Device::cpu()).to_vector<int64_t>();
}

}  // namespace

ImageDataset::ImageDataset(Tensor images, Tensor labels, int64_t num_classes, std::vector<std::string> class_names)
    : num_classes_(num_classes), class_names_(std::move(class_names)) {
  MINIDL_CHECK(images.dtype() == DType::UInt8 && labels.dtype() == DType::Int64, DTypeError,
               "dataset: expected uint8 images and int64 labels, got ", images.dtype(), " and ",
               labels.dtype());
  MINIDL_CHECK(images.dim() == 4 && labels.dim() == 1 && images.size(0) == labels.size(0), ShapeError,
               "dataset: expected images [N, C, H, W] and labels [N], got ", shape_str(images.shape()),
               " and ", shape_str(labels.shape()));
  MINIDL_CHECK(images.device() == labels.device(), DeviceError, "dataset: images on ", images.device(),
               " but labels on ", labels.device());
  MINIDL_CHECK(num_classes > 0, ValueError, "dataset: expected at least one class, got ", num_classes);
  MINIDL_CHECK(class_names_.empty() || static_cast<int64_t>(class_names_.size()) == num_classes, ValueError,
               "dataset: ", class_names_.size(), " class names for ", num_classes, " classes");
  images_ = images.contiguous();
  labels_ = labels.contiguous();
  if (labels_.device().is_cpu()) {
    const int64_t* values = labels_.data<int64_t>();
    for (int64_t i = 0; i < labels_.numel(); ++i)
      MINIDL_CHECK(values[i] >= 0 && values[i] < num_classes, ValueError, "dataset: sample ", i,
                   " has label ", values[i], ", expected 0 to ", num_classes - 1);
  }
}

Shape ImageDataset::image_shape() const {
  return images_.defined() ? Shape(images_.shape().begin() + 1, images_.shape().end()) : Shape{};
}

Example ImageDataset::get(int64_t index) const {
  check_indices({index}, size());
  return {images_.select(0, index), labels_.select(0, index)};
}

ImageDataset ImageDataset::to(const Device& device) const {
  if (device == this->device()) return *this;
  ImageDataset moved = *this;
  moved.images_ = images_.to(device);
  moved.labels_ = labels_.to(device);
  return moved;
}

Batch ImageDataset::gather(const std::vector<int64_t>& indices) const {
  check_indices(indices, size());
  const auto count = static_cast<int64_t>(indices.size());
  Shape shape = images_.shape();
  shape[0] = count;
  Batch batch{empty(shape, {.dtype = DType::UInt8, .device = device()}),
              empty({count}, {.dtype = DType::Int64, .device = device()})};
  if (count == 0) return batch;
  if (device().is_cpu()) {
    const std::size_t bytes = images_.nbytes() / static_cast<std::size_t>(size());
    const auto* src = static_cast<const uint8_t*>(images_.data_ptr());
    auto* dst = static_cast<uint8_t*>(batch.input.data_ptr());
    const int64_t* labels = labels_.data<int64_t>();
    int64_t* out_labels = batch.target.data<int64_t>();
    for (int64_t j = 0; j < count; ++j) {
      const int64_t i = indices[static_cast<std::size_t>(j)];
      std::memcpy(dst + static_cast<std::size_t>(j) * bytes, src + static_cast<std::size_t>(i) * bytes,
                  bytes);
      out_labels[j] = labels[i];
    }
  } else {
    const Tensor index = from_vector(indices, {count}, device());
    kernels::index_select(images_, 0, index, batch.input);
    kernels::index_select(labels_, 0, index, batch.target);
  }
  return batch;
}

ImageDataset subset(const ImageDataset& dataset, const std::vector<int64_t>& indices) {
  Batch picked = dataset.gather(indices);
  return ImageDataset(std::move(picked.input), std::move(picked.target), dataset.num_classes(),
                 dataset.class_names());
}

ImageDataset first_per_class(const ImageDataset& dataset, int64_t per_class) {
  MINIDL_CHECK(per_class >= 0, ValueError, "first_per_class: expected a count >= 0, got ", per_class);
  const std::vector<int64_t> labels = host_labels(dataset);
  std::vector<int64_t> taken(static_cast<std::size_t>(dataset.num_classes()), 0), indices;
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (taken[static_cast<std::size_t>(labels[i])]++ < per_class) indices.push_back(static_cast<int64_t>(i));
  return subset(dataset, indices);
}

ImageDataset select_classes(const ImageDataset& dataset, const std::vector<int64_t>& classes) {
  MINIDL_CHECK(!classes.empty(), ValueError, "select_classes: expected at least one class");
  std::vector<int64_t> new_label(static_cast<std::size_t>(dataset.num_classes()), -1);
  std::vector<std::string> names;
  for (std::size_t k = 0; k < classes.size(); ++k) {
    const int64_t c = classes[k];
    MINIDL_CHECK(c >= 0 && c < dataset.num_classes(), ValueError, "select_classes: class ", c,
                 " is out of range for ", dataset.num_classes(), " classes");
    MINIDL_CHECK(new_label[static_cast<std::size_t>(c)] < 0, ValueError, "select_classes: class ", c,
                 " is listed twice");
    new_label[static_cast<std::size_t>(c)] = static_cast<int64_t>(k);
    if (!dataset.class_names().empty()) names.push_back(dataset.class_names()[static_cast<std::size_t>(c)]);
  }
  const std::vector<int64_t> labels = host_labels(dataset);
  std::vector<int64_t> indices, relabelled;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const int64_t label = new_label[static_cast<std::size_t>(labels[i])];
    if (label < 0) continue;
    indices.push_back(static_cast<int64_t>(i));
    relabelled.push_back(label);
  }
  Batch picked = dataset.gather(indices);
  const auto count = static_cast<int64_t>(relabelled.size());
  return ImageDataset(std::move(picked.input), from_vector(relabelled, {count}, dataset.device()),
                 static_cast<int64_t>(classes.size()), std::move(names));
}

std::vector<int64_t> class_counts(const ImageDataset& dataset) {
  std::vector<int64_t> counts(static_cast<std::size_t>(dataset.num_classes()), 0);
  for (const int64_t label : host_labels(dataset)) ++counts[static_cast<std::size_t>(label)];
  return counts;
}

Normalization channel_stats(const ImageDataset& dataset) {
  MINIDL_CHECK(dataset.size() > 0, ValueError, "channel_stats: the dataset is empty");
  const Tensor images = dataset.images().to(Device::cpu());
  const int64_t n = images.size(0), channels = images.size(1), plane = images.size(2) * images.size(3);
  const auto* px = static_cast<const uint8_t*>(images.data_ptr());
  Normalization out;
  for (int64_t c = 0; c < channels; ++c) {
    // Exact integer sums: 255^2 x (2^31 pixels) still fits 64 bits.
    uint64_t sum = 0, squares = 0;
    for (int64_t i = 0; i < n; ++i) {
      const uint8_t* p = px + (i * channels + c) * plane;
      for (int64_t k = 0; k < plane; ++k) sum += p[k], squares += static_cast<uint64_t>(p[k]) * p[k];
    }
    const double count = static_cast<double>(n * plane);
    const double mean = static_cast<double>(sum) / count;
    const double variance = std::max(0.0, static_cast<double>(squares) / count - mean * mean);
    out.mean.push_back(mean / 255.0);
    out.std.push_back(std::sqrt(variance) / 255.0);
  }
  return out;
}

}  // namespace minidl::data
