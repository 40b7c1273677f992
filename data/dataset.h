// The dataset interface a user implements to train on their own data (PyTorch's
// torch.utils.data.Dataset): a size and get(i), an Example of input tensor(s) and a
// target. The DataLoader serves any Dataset; batches are collated by stacking (or by a
// collate function of the user's). TensorDataset holds tensors already in memory
// (tabular features, embeddings, regression targets); ImageDataset (image_dataset.h) is
// the uint8 image set of the CIFAR readers and ImageFolder.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/tensor.h"

namespace minidl::data {

/// One sample: its input (any dtype and shape), its target (a 0-d int64 class label, or a
/// tensor of any dtype: a regression target, a mask) and, for models with several inputs, more.
struct Example {
  Tensor input;
  Tensor target;
  std::vector<Tensor> more_inputs = {};
};

/// Samples stacked along a new first dimension: input [B, ...], target [B, ...] (a batch of
/// labels is int64 [B]), more_inputs likewise.
struct Batch {
  Tensor input;
  Tensor target;
  std::vector<Tensor> more_inputs = {};
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  /// Sample `index` in [0, size()); called from the loader's background thread, so it must be
  /// safe to call concurrently with the training thread (reading shared state is).
  virtual Example get(int64_t index) const = 0;
  /// The samples at `indices`, collated. The default calls get() for each and collate();
  /// in-memory datasets override it with one gather.
  virtual Batch get_batch(const std::vector<int64_t>& indices) const;
  /// Where get_batch's tensors are (the CPU unless the dataset already lives on a device).
  virtual Device device() const { return Device::cpu(); }
};

/// Stacks examples into a batch. Every example must have the same input, target and
/// more_inputs shapes and dtypes (ShapeError/DTypeError naming the first example that
/// differs); no examples give an empty batch (undefined tensors).
Batch collate(const std::vector<Example>& examples);

/// Tensors in memory as a dataset: sample i is (inputs[i], targets[i]). Any dtypes, on one
/// device; inputs [N, ...] and targets [N, ...] (int64 [N] for class labels).
class TensorDataset final : public Dataset {
 public:
  TensorDataset(Tensor inputs, Tensor targets);
  int64_t size() const override { return inputs_.size(0); }
  Example get(int64_t index) const override;
  Batch get_batch(const std::vector<int64_t>& indices) const override;
  Device device() const override { return inputs_.device(); }
  const Tensor& inputs() const { return inputs_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor inputs_, targets_;
};

/// IndexError-like ValueError for an index outside [0, size) (shared by the datasets).
void check_indices(const std::vector<int64_t>& indices, int64_t size);

}  // namespace minidl::data
