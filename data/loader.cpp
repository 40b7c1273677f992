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

DataLoader::DataLoader(Dataset dataset, LoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  MINIDL_CHECK(options_.batch_size > 0, ValueError, "DataLoader: batch_size must be positive, got ",
               options_.batch_size);
  MINIDL_CHECK(options_.prefetch >= 1, ValueError, "DataLoader: prefetch must be at least 1, got ",
               options_.prefetch);
  MINIDL_CHECK(dataset_.images().defined(), ValueError,
               "DataLoader: the dataset is empty (default-constructed)");
  MINIDL_CHECK(dataset_.device().is_cpu() || dataset_.device() == options_.device, DeviceError,
               "DataLoader: a dataset on ", dataset_.device(), " can only be loaded to that device, not to ",
               options_.device);
  check_device(options_.device);
}

DataLoader::~DataLoader() { stop(); }

int64_t DataLoader::num_batches() const {
  const int64_t n = dataset_.size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::vector<int64_t> DataLoader::batch_indices(int64_t epoch, int64_t index) const {
  MINIDL_CHECK(index >= 0 && index < num_batches(), ValueError, "DataLoader: batch ", index,
               " does not exist in an epoch of ", num_batches(), " batches");
  const int64_t n = dataset_.size(), first = index * options_.batch_size;
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
// A transform works on the batch where the dataset keeps it; the loader alone moves batches to
// the device (a CUDA tensor here would be read as host memory by the pinned staging copy).
void check_transformed(const Batch& b, const Device& expected, int64_t epoch, int64_t batch) {
  for (const auto& [what, t] : {std::pair<const char*, const Tensor&>{"images", b.images}, {"labels", b.labels}})
    MINIDL_CHECK(!t.defined() || t.device() == expected, DeviceError, "DataLoader: the transform returned ",
                 what, " on ", t.device(), " for batch ", batch, " of epoch ", epoch, "; it must return them on ",
                 expected, " (the dataset's device): the loader copies each batch to options.device itself");
}
}  // namespace

void DataLoader::start() {
  auto worker = std::make_unique<Worker>();
  Worker& w = *worker;
  const bool to_cuda = options_.device.is_cuda() && dataset_.device().is_cpu();
  if (to_cuda) w.copy_stream = Stream::create(options_.device);
  const auto capacity = static_cast<std::size_t>(options_.prefetch);
  w.thread = std::thread([this, &w, to_cuda, capacity, epoch = epoch_, batch = batch_]() mutable {
    try {
      if (options_.device.is_cuda()) set_current_cuda_device(options_.device.index);
      const int64_t batches = num_batches(), n = dataset_.size(), size = options_.batch_size;
      for (;; ++epoch, batch = 0) {
        std::vector<int64_t> order;
        if (options_.shuffle) order = epoch_permutation(n, options_.seed, epoch);
        for (; batch < batches; ++batch) {
          std::vector<int64_t> indices;
          for (int64_t i = batch * size; i < std::min(n, (batch + 1) * size); ++i)
            indices.push_back(options_.shuffle ? order[static_cast<std::size_t>(i)] : i);
          Item item;
          item.batch = dataset_.gather(indices);
          if (options_.transform) {
            item.batch = options_.transform(std::move(item.batch), BatchInfo{epoch, batch});
            check_transformed(item.batch, dataset_.device(), epoch, batch);
          }
          if (to_cuda) {
            w.retire_copies(capacity + 1);
            const Batch pinned{pinned_copy(item.batch.images), pinned_copy(item.batch.labels)};
            const Tensor& src_images = pinned.images;
            {
              // The batch's blocks come from the copy stream's own cache, so the copy needs to
              // wait for nothing; next() records the consumer's stream on them (record_stream),
              // so that once freed they are reused only after the consumer's work on them.
              const StreamGuard on_copy_stream(*w.copy_stream);
              item.batch = {
                  empty(src_images.shape(), {.dtype = src_images.dtype(), .device = options_.device}),
                  empty(pinned.labels.shape(), {.dtype = pinned.labels.dtype(), .device = options_.device})};
            }
            namespace cu = kernels::cuda;
            cu::memcpy_async(item.batch.images.data_ptr(), src_images.data_ptr(), src_images.nbytes(),
                             cu::CopyKind::HostToDevice, w.copy_stream->handle());
            cu::memcpy_async(item.batch.labels.data_ptr(), pinned.labels.data_ptr(), pinned.labels.nbytes(),
                             cu::CopyKind::HostToDevice, w.copy_stream->handle());
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
    item.batch.images.record_stream(consumer);
    item.batch.labels.record_stream(consumer);
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
