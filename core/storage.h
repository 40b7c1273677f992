// Storage: a reference-counted block of memory on one device. Tensors share a
// Storage; views never copy it. The memory itself is move-only underneath.
#pragma once

#include <cstddef>
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

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace minidl
