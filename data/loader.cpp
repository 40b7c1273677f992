// DataLoader's background thread and its bounded queue. The thread produces batches in stream
// order (epoch by epoch, an end-of-epoch marker after each) until stopped; a failure is queued
// as an exception for the consumer. CUDA: batches are staged in pinned memory and copied on the
// loader's stream into blocks of that stream, which the consumer's stream is recorded on
// (record_stream); each pinned buffer is kept until its copy's event has completed.
#include "data/loader.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "core/cuda/runtime.h"
#include "core/memory/allocator.h"
#include "core/stream.h"
#include "kernels/math/philox.h"

namespace minidl::data {
namespace {

struct Item {
  Batch batch;
  std::shared_ptr<Event> ready;  // CUDA copies: done on the loader stream
  bool end_of_epoch = false;
  std::exception_ptr error;

  static Item end_marker() {
    Item item;
    item.end_of_epoch = true;
    return item;
  }
  static Item failure(std::exception_ptr error) {
    Item item;
    item.error = std::move(error);
    return item;
  }
};

struct InFlight {  // a pinned batch whose copy to the device may still be running
  Batch pinned;
  std::shared_ptr<Event> ready;
};

Tensor pinned_copy(const Tensor& host) {
  const Tensor src = host.contiguous();
  const std::size_t nbytes = src.nbytes();
  void* data = pinned_allocator().allocate(nbytes);
  Storage storage =
      Storage::wrap(data, nbytes, Device::cpu(), [](void* p) { pinned_allocator().deallocate(p); });
  Tensor pinned(std::move(storage), src.shape(), contiguous_strides(src.shape()), 0, src.dtype());
  if (nbytes > 0) std::memcpy(pinned.data_ptr(), src.data_ptr(), nbytes);
  return pinned;
}

}  // namespace

std::vector<int64_t> epoch_permutation(int64_t n, uint64_t seed, int64_t epoch) {
  MINIDL_CHECK(n >= 0 && n < (int64_t{1} << 32) && epoch >= 0 && epoch < (int64_t{1} << 32), ValueError,
               "epoch_permutation: expected 0 <= n < 2^32 and 0 <= epoch < 2^32, got n=", n,
               " epoch=", epoch);
  std::vector<int64_t> order(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  // Step i (from n-1 down) swaps i with j uniform in [0, i] (multiply-shift of word i; bias < n/2^32),
  // word i being word i%4 of Philox block (epoch << 32) + i/4 of the stream `seed`.
  const uint64_t base = static_cast<uint64_t>(epoch) << 32;
  kernels::Philox4x32 block{};
  for (int64_t i = n - 1; i > 0; --i) {
    if (i == n - 1 || i % 4 == 3) block = kernels::philox_block(seed, base + static_cast<uint64_t>(i / 4));
    const uint64_t word = block.v[i % 4];
    const auto j = static_cast<int64_t>((word * static_cast<uint64_t>(i + 1)) >> 32);
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
  }
  return order;
}

struct DataLoader::Worker {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Item> queue;
  bool stopping = false;
  std::thread thread;
  // Used by the background thread only.
  std::optional<Stream> copy_stream;
  std::deque<InFlight> in_flight;

  // Waits for room (unless forced); false when stopping.
  bool push(Item item, std::size_t capacity, bool force = false) {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return stopping || force || queue.size() < capacity; });
    if (stopping) return false;
    queue.push_back(std::move(item));
    changed.notify_all();
    return true;
  }
  Item pop() {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return !queue.empty(); });
    Item item = std::move(queue.front());
    queue.pop_front();
    changed.notify_all();
    return item;
  }
  // Pinned buffers go back to the pool only once their copies are done.
  void retire_copies(std::size_t keep) {
    while (!in_flight.empty() && (in_flight.size() > keep || in_flight.front().ready->query())) {
      in_flight.front().ready->synchronize();
      in_flight.pop_front();
    }
  }
  void drain_copies() noexcept {
    try {
      retire_copies(0);
    } catch (...) {
      in_flight.clear();  // the device failed: nothing more can be waited for
    }
  }
};

DataLoader::DataLoader(ImageDataset dataset, LoaderOptions options)
    : DataLoader(std::make_shared<const ImageDataset>(std::move(dataset)), std::move(options)) {}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  MINIDL_CHECK(dataset_ != nullptr, ValueError, "DataLoader: no dataset (a null pointer)");
  MINIDL_CHECK(options_.batch_size > 0, ValueError, "DataLoader: batch_size must be positive, got ",
               options_.batch_size);
  MINIDL_CHECK(options_.prefetch >= 1, ValueError, "DataLoader: prefetch must be at least 1, got ",
               options_.prefetch);
  MINIDL_CHECK(dataset_->size() > 0, ValueError, "DataLoader: the dataset is empty");
  MINIDL_CHECK(dataset_->device().is_cpu() || dataset_->device() == options_.device, DeviceError,
               "DataLoader: a dataset on ", dataset_->device(), " can only be loaded to that device, not to ",
               options_.device);
  check_device(options_.device);
}

DataLoader::~DataLoader() { stop(); }

int64_t DataLoader::num_batches() const {
  const int64_t n = dataset_->size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::vector<int64_t> DataLoader::batch_indices(int64_t epoch, int64_t index) const {
  MINIDL_CHECK(index >= 0 && index < num_batches(), ValueError, "DataLoader: batch ", index,
               " does not exist in an epoch of ", num_batches(), " batches");
  const int64_t n = dataset_->size(), first = index * options_.batch_size;
  const int64_t last = std::min(n, first + options_.batch_size);
  if (!options_.shuffle) {
    std::vector<int64_t> indices;
    for (int64_t i = first; i < last; ++i) indices.push_back(i);
    return indices;
  }
  const std::vector<int64_t> order = epoch_permutation(n, options_.seed, epoch);
  return {order.begin() + first, order.begin() + last};
}

namespace {
// Every tensor of a batch, named for messages.
std::vector<std::pair<std::string, Tensor*>> tensors_of(Batch& b) {
  std::vector<std::pair<std::string, Tensor*>> all{{"input", &b.input}, {"target", &b.target}};
  for (std::size_t k = 0; k < b.more_inputs.size(); ++k)
    all.emplace_back("more_inputs[" + std::to_string(k) + "]", &b.more_inputs[k]);
  return all;
}

// A transform or collate works on the batch where the dataset keeps it; the loader alone moves
// batches to the device (a CUDA tensor here would be read as host memory by the pinned staging copy).
void check_on(Batch& b, const Device& expected, const char* who, int64_t epoch, int64_t batch) {
  for (const auto& [what, t] : tensors_of(b))
    MINIDL_CHECK(!t->defined() || t->device() == expected, DeviceError, "DataLoader: the ", who, " returned ",
                 what, " on ", t->device(), " for batch ", batch, " of epoch ", epoch, "; it must return it on ",
                 expected, " (the dataset's device): the loader copies each batch to options.device itself");
}

// The batch of `indices`: the dataset's own get_batch, or get() each and the user's collate.
Batch load_batch(const Dataset& dataset, const LoaderOptions& options, const std::vector<int64_t>& indices,
                 int64_t epoch, int64_t batch) {
  if (!options.collate) return dataset.get_batch(indices);
  std::vector<Example> examples;
  for (const int64_t i : indices) examples.push_back(dataset.get(i));
  Batch out = options.collate(std::move(examples));
  check_on(out, dataset.device(), "collate function", epoch, batch);
  return out;
}
}  // namespace

void DataLoader::start() {
  auto worker = std::make_unique<Worker>();
  Worker& w = *worker;
  const bool to_cuda = options_.device.is_cuda() && dataset_->device().is_cpu();
  if (to_cuda) w.copy_stream = Stream::create(options_.device);
  const auto capacity = static_cast<std::size_t>(options_.prefetch);
  w.thread = std::thread([this, &w, to_cuda, capacity, epoch = epoch_, batch = batch_]() mutable {
    try {
      if (options_.device.is_cuda()) set_current_cuda_device(options_.device.index);
      const int64_t batches = num_batches(), n = dataset_->size(), size = options_.batch_size;
      for (;; ++epoch, batch = 0) {
        std::vector<int64_t> order;
        if (options_.shuffle) order = epoch_permutation(n, options_.seed, epoch);
        for (; batch < batches; ++batch) {
          std::vector<int64_t> indices;
          for (int64_t i = batch * size; i < std::min(n, (batch + 1) * size); ++i)
            indices.push_back(options_.shuffle ? order[static_cast<std::size_t>(i)] : i);
          Item item;
          item.batch = load_batch(*dataset_, options_, indices, epoch, batch);
          if (options_.transform) {
            item.batch = options_.transform(std::move(item.batch), BatchInfo{epoch, batch});
            check_on(item.batch, dataset_->device(), "transform", epoch, batch);
          }
          if (to_cuda) {
            w.retire_copies(capacity + 1);
            // Every tensor is staged in pinned memory, then copied into blocks of the copy
            // stream's own cache, so the copy needs to wait for nothing; next() records the
            // consumer's stream on them (record_stream), so that once freed they are reused
            // only after the consumer's work on them.
            Batch pinned;
            pinned.more_inputs.resize(item.batch.more_inputs.size());
            const auto pinned_tensors = tensors_of(pinned);
            const auto batch_tensors = tensors_of(item.batch);
            for (std::size_t k = 0; k < batch_tensors.size(); ++k) {
              Tensor& tensor = *batch_tensors[k].second;
              if (!tensor.defined()) continue;
              Tensor& staged = *pinned_tensors[k].second;
              staged = pinned_copy(tensor);
              {
                const StreamGuard on_copy_stream(*w.copy_stream);
                tensor = empty(staged.shape(), {.dtype = staged.dtype(), .device = options_.device});
              }
              kernels::cuda::memcpy_async(tensor.data_ptr(), staged.data_ptr(), staged.nbytes(),
                                          kernels::cuda::CopyKind::HostToDevice, w.copy_stream->handle());
            }
            item.ready = std::make_shared<Event>();
            item.ready->record(*w.copy_stream);
            w.in_flight.push_back({pinned, item.ready});
          }
          if (!w.push(std::move(item), capacity)) return w.drain_copies();
        }
        if (!w.push(Item::end_marker(), capacity)) return w.drain_copies();
      }
    } catch (...) {
      w.drain_copies();
      w.push(Item::failure(std::current_exception()), capacity, /*force=*/true);
    }
  });
  worker_ = std::move(worker);
}

void DataLoader::stop() noexcept {
  if (!worker_) return;
  {
    std::lock_guard lock(worker_->mutex);
    worker_->stopping = true;
  }
  worker_->changed.notify_all();
  if (worker_->thread.joinable()) worker_->thread.join();
  worker_.reset();
}

std::optional<Batch> DataLoader::next() {
  if (!worker_) start();
  Item item = worker_->pop();
  if (item.error) {
    stop();  // a later next() retries from the same batch
    std::rethrow_exception(item.error);
  }
  if (item.end_of_epoch) {
    ++epoch_, batch_ = 0;
    return std::nullopt;
  }
  if (item.ready) {
    const Stream consumer = Stream::current(options_.device);
    item.ready->block(consumer);
    for (const auto& entry : tensors_of(item.batch))
      if (entry.second->defined()) entry.second->record_stream(consumer);
  }
  ++batch_;
  return std::move(item.batch);
}

void DataLoader::set_epoch(int64_t epoch, int64_t batch) {
  MINIDL_CHECK(epoch >= 0 && batch >= 0 && batch <= num_batches(), ValueError, "DataLoader: no batch ", batch,
               " in epoch ", epoch, " (", num_batches(), " batches per epoch)");
  if (worker_ && epoch == epoch_ && batch == batch_) return;  // the queue already starts there
  stop();
  epoch_ = epoch, batch_ = batch;
  start();
}

}  // namespace minidl::data
