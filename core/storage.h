// Storage: a reference-counted block of memory on one device. Tensors share a
// Storage; views never copy it. The memory itself is move-only underneath.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "core/device.h"

namespace minidl {

class Storage {
 public:
  Storage() = default;
  /// nbytes from the allocator of `device`.
  static Storage allocate(std::size_t nbytes, const Device& device);
  /// Adopts memory owned elsewhere; `release` (may be empty) runs when the last reference goes.
  static Storage wrap(void* data, std::size_t nbytes, const Device& device,
                      std::function<void(void*)> release);

  bool defined() const { return impl_ != nullptr; }
  void* data() const;
  std::size_t nbytes() const;
  Device device() const;
  long use_count() const { return impl_.use_count(); }
  bool is_same(const Storage& other) const { return impl_ == other.impl_; }

  /// Autograd's version counter (PyTorch's _version): bumped by every in-place write through a
  /// tensor on this storage, so every view and detached alias of it sees the same count.
  uint32_t version() const;
  void bump_version() const;
  /// Whether the memory was made under autograd::InferenceMode (PyTorch's inference tensor):
  /// kept on the storage so views of a normal tensor taken in that mode stay normal.
  bool is_inference() const;
  void mark_inference() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace minidl
