// DataLoader: batches of any Dataset in a per-epoch shuffled order, prepared by a background
// thread (the dataset's get_batch, or get() per sample and a collate function). Epoch e's order is a permutation drawn from (seed, e) alone, so a run resumes exactly
// with set_epoch(e, batch). For a CUDA target the thread gathers into pinned host memory and
// copies on the loader's own stream; an event hands each batch to the consumer's stream.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "data/image_dataset.h"

namespace minidl::data {

/// Where a batch sits in the stream of batches.
struct BatchInfo {
  int64_t epoch = 0;
  int64_t index = 0;  ///< batch index within the epoch
};

struct LoaderOptions {
  int64_t batch_size = 128;
  bool shuffle = true;
  uint64_t seed = 0;
  /// Drop the last batch of an epoch when it is smaller than batch_size.
  bool drop_last = false;
  /// Batches prepared ahead of the consumer (the bounded queue's capacity), at least 1.
  int prefetch = 2;
  /// Where batches are delivered. A dataset already on a CUDA device is gathered there.
  Device device = Device::cpu();
  /// Optional work on each host batch in the background thread, before any device copy (e.g.
  /// CPU augmentation). Its exceptions reach the consumer at that batch's next().
  std::function<Batch(Batch, const BatchInfo&)> transform = nullptr;
  /// Optional: batches from get() of each sample and this function instead of the dataset's
  /// get_batch (e.g. padding sequences of different lengths). Runs in the background thread.
  std::function<Batch(std::vector<Example>)> collate = nullptr;
};

/// Sample order of an epoch: 0..n-1 shuffled by Fisher-Yates with Philox words from (seed, epoch).
std::vector<int64_t> epoch_permutation(int64_t n, uint64_t seed, int64_t epoch);

class DataLoader {
 public:
  /// Serves `dataset`, which must outlive nothing: the loader shares it. A dataset on a device
  /// can only be loaded to that device.
  DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options);
  /// The in-memory image set (copied: its tensors are shared, not their bytes).
  DataLoader(ImageDataset dataset, LoaderOptions options);
  /// Stops the background thread (waiting for its copies in flight); never throws.
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  /// The next batch of the current epoch, or nullopt when the epoch is over (the loader then
  /// moves on to the next epoch). Rethrows an exception of the background thread. On CUDA the
  /// batch is ready for work queued on the calling thread's current stream.
  std::optional<Batch> next();
  /// Continues from batch `batch` of epoch `epoch` (keeps the prefetched batches when they are
  /// exactly those).
  void set_epoch(int64_t epoch, int64_t batch = 0);
  /// Position of the batch next() returns.
  int64_t epoch() const { return epoch_; }
  int64_t batch_index() const { return batch_; }
  int64_t num_batches() const;
  /// Indices of the samples of batch `index` of `epoch` (what the background thread gathers).
  std::vector<int64_t> batch_indices(int64_t epoch, int64_t index) const;

  const Dataset& dataset() const { return *dataset_; }
  const LoaderOptions& options() const { return options_; }

 private:
  struct Worker;
  void start();
  void stop() noexcept;

  std::shared_ptr<const Dataset> dataset_;
  LoaderOptions options_;
  int64_t epoch_ = 0, batch_ = 0;
  std::unique_ptr<Worker> worker_;
};

}  // namespace minidl::data
