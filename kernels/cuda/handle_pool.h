// Library handles (cuBLAS, cuDNN) one per thread and device, as PyTorch keeps them: a handle
// is bound to a stream by *SetStream before each call, so two threads sharing one would race
// on that binding. A thread takes a handle from its device's pool on first use and gives it
// back when the thread ends, so threads that come and go reuse handles instead of creating
// one each. No CUDA here: the CPU build tests it with a fake handle type.
#pragma once

#include <functional>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace minidl::kernels::cuda {

template <typename Handle>
class HandlePool {
 public:
  /// `create(device)` makes a new handle for a device (and may throw).
  explicit HandlePool(std::function<Handle(int)> create) : create_(std::move(create)) {}

  /// The calling thread's handle for `device`.
  Handle for_this_thread(int device) {
    Lease& lease = leases();
    if (lease.pool == nullptr) lease.pool = this;
    auto found = lease.handles.find(device);
    if (found != lease.handles.end()) return found->second;
    const Handle handle = take(device);
    lease.handles.emplace(device, handle);
    return handle;
  }
  /// Handles made so far, and of those, in no thread's hands now (for tests).
  int created() const {
    const std::lock_guard lock(mutex_);
    return created_;
  }
  int idle() const {
    const std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& [device, handles] : free_) n += static_cast<int>(handles.size());
    return n;
  }

 private:
  // What one thread holds from this pool; given back when the thread ends. Pools are never
  // destroyed (a handle must not be destroyed after the CUDA runtime has shut down), so the
  // pool outlives every thread's lease.
  struct Lease {
    HandlePool* pool = nullptr;
    std::unordered_map<int, Handle> handles;
    Lease() = default;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (pool != nullptr)
        for (const auto& [device, handle] : handles) pool->give_back(device, handle);
    }
  };
  Lease& leases() {
    // One lease per (thread, pool): pools of one Handle type are told apart by address.
    thread_local std::unordered_map<HandlePool*, Lease> by_pool;
    return by_pool[this];
  }
  Handle take(int device) {
    {
      const std::lock_guard lock(mutex_);
      std::vector<Handle>& free = free_[device];
      if (!free.empty()) {
        const Handle handle = free.back();
        free.pop_back();
        return handle;
      }
    }
    const Handle handle = create_(device);
    const std::lock_guard lock(mutex_);
    ++created_;
    return handle;
  }
  void give_back(int device, Handle handle) {
    const std::lock_guard lock(mutex_);
    free_[device].push_back(handle);
  }

  std::function<Handle(int)> create_;
  mutable std::mutex mutex_;
  std::unordered_map<int, std::vector<Handle>> free_;
  int created_ = 0;
};

}  // namespace minidl::kernels::cuda
