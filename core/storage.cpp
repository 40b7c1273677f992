#include "core/storage.h"

#include <atomic>

#include "core/memory/allocator.h"

namespace minidl {

struct Storage::Impl {
  void* data = nullptr;
  std::size_t nbytes = 0;
  Device device;
  std::function<void(void*)> release;
  std::atomic<uint32_t> version{0};  // atomic: loader workers and the trainer may share a batch
  bool inference = false;

  Impl(void* d, std::size_t n, Device dev, std::function<void(void*)> r)
      : data(d), nbytes(n), device(dev), release(std::move(r)) {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    if (release) release(data);  // allocators' deallocate never throws
  }
};

Storage Storage::allocate(std::size_t nbytes, const Device& device) {
  Allocator& allocator = allocator_for(device);
  void* data = allocator.allocate(nbytes);
  Storage storage;
  storage.impl_ = std::make_shared<Impl>(data, nbytes, device,
                                         [&allocator](void* p) { allocator.deallocate(p); });
  return storage;
}

Storage Storage::wrap(void* data, std::size_t nbytes, const Device& device,
                      std::function<void(void*)> release) {
  Storage storage;
  storage.impl_ = std::make_shared<Impl>(data, nbytes, device, std::move(release));
  return storage;
}

void* Storage::data() const { return impl_ ? impl_->data : nullptr; }
std::size_t Storage::nbytes() const { return impl_ ? impl_->nbytes : 0; }
Device Storage::device() const { return impl_ ? impl_->device : Device::cpu(); }
uint32_t Storage::version() const { return impl_ ? impl_->version.load(std::memory_order_relaxed) : 0; }
void Storage::bump_version() const {
  if (impl_) impl_->version.fetch_add(1, std::memory_order_relaxed);
}
bool Storage::is_inference() const { return impl_ && impl_->inference; }
void Storage::mark_inference() const {
  if (impl_) impl_->inference = true;
}

}  // namespace minidl
