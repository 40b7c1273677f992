// CUDA streams and events for host code. Each device has one compute stream
// (created on first use, non-blocking so it can be captured in a CUDA graph);
// StreamGuard switches the calling thread's current stream for a scope.
#pragma once

#include <memory>

#include "core/device.h"

namespace minidl {

class Stream {
 public:
  /// The calling thread's current stream of a CUDA device (its compute stream unless a
  /// StreamGuard says otherwise).
  static Stream current(const Device& device);
  /// The device's compute stream.
  static Stream compute(const Device& device);
  /// A new stream of its own (e.g. for the data loader's copies).
  static Stream create(const Device& device);

  Device device() const { return device_; }
  /// The cudaStream_t, as an opaque handle for kernels/cuda.
  void* handle() const { return handle_.get(); }
  /// Blocks the host until all work queued on this stream is done.
  void synchronize() const;
  friend bool operator==(const Stream& a, const Stream& b) { return a.handle() == b.handle(); }

 private:
  friend class StreamGuard;
  Stream(Device device, std::shared_ptr<void> handle) : device_(device), handle_(std::move(handle)) {}
  Device device_;
  std::shared_ptr<void> handle_;
};

/// Makes `stream` the current stream of its device for the calling thread, for a scope.
class StreamGuard {
 public:
  explicit StreamGuard(const Stream& stream);
  ~StreamGuard();
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;

 private:
  Device device_;
  std::shared_ptr<void> previous_;
};

/// A CUDA event: record it on one stream, make another stream (or the host) wait for it.
class Event {
 public:
  explicit Event(bool enable_timing = false);
  ~Event();
  Event(Event&& other) noexcept;
  Event& operator=(Event&& other) noexcept;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  void record(const Stream& stream);
  /// Makes `stream` wait (on the device) until the recorded work is done.
  void block(const Stream& stream) const;
  void synchronize() const;
  /// True when the recorded work is done.
  bool query() const;
  /// Milliseconds from this event to `end` (both recorded with timing enabled).
  float elapsed_ms(const Event& end) const;

 private:
  void* handle_ = nullptr;
};

/// Waits until every stream of the device is idle (the legacy device-wide sync).
void synchronize(const Device& device = Device::cuda());

}  // namespace minidl
