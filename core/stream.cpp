#include "core/stream.h"

#include <mutex>
#include <utility>
#include <unordered_map>

#include "core/cuda/runtime.h"
#include "core/error.h"
#include "kernels/cuda/error_flag.h"

namespace minidl {
namespace cu = kernels::cuda;

namespace {
std::shared_ptr<void> new_stream_handle(const Device& device) {
  check_device(device);
  cu::set_device(device.index);
  return std::shared_ptr<void>(cu::create_stream(), [](void* s) { cu::destroy_stream(s); });
}

// Compute streams live for the process, so a tensor freed at exit never outlives its stream.
std::shared_ptr<void> compute_handle(const Device& device) {
  static std::mutex mutex;
  static auto* streams = new std::unordered_map<int, std::shared_ptr<void>>();
  std::lock_guard lock(mutex);
  auto& handle = (*streams)[device.index];
  if (!handle) handle = new_stream_handle(device);
  return handle;
}

thread_local std::unordered_map<int, std::shared_ptr<void>> current_override;
}  // namespace

Stream Stream::compute(const Device& device) {
  MINIDL_CHECK(device.is_cuda(), DeviceError, "streams exist on CUDA devices only, not on ", device);
  return Stream(device, compute_handle(device));
}

Stream Stream::current(const Device& device) {
  const auto found = current_override.find(device.index);
  if (device.is_cuda() && found != current_override.end() && found->second)
    return Stream(device, found->second);
  return compute(device);
}

Stream Stream::create(const Device& device) {
  MINIDL_CHECK(device.is_cuda(), DeviceError, "streams exist on CUDA devices only, not on ", device);
  return Stream(device, new_stream_handle(device));
}

void Stream::synchronize() const {
  cu::stream_synchronize(handle());
  cu::check_device_error_flag(device_.index);  // errors kernels flagged (a target out of range) surface here
}

StreamGuard::StreamGuard(const Stream& stream) : device_(stream.device()) {
  auto& slot = current_override[device_.index];
  previous_ = slot;
  slot = stream.handle_;
}

StreamGuard::~StreamGuard() { current_override[device_.index] = previous_; }

Event::Event(bool enable_timing) : handle_(cu::create_event(enable_timing)) {}
Event::~Event() { cu::destroy_event(handle_); }
Event::Event(Event&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
Event& Event::operator=(Event&& other) noexcept {
  if (this != &other) {
    cu::destroy_event(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

void Event::record(const Stream& stream) { cu::record_event(handle_, stream.handle()); }
void Event::block(const Stream& stream) const { cu::stream_wait_event(stream.handle(), handle_); }
void Event::synchronize() const { cu::event_synchronize(handle_); }
bool Event::query() const { return cu::event_query(handle_); }
float Event::elapsed_ms(const Event& end) const { return cu::event_elapsed_ms(handle_, end.handle_); }

void synchronize(const Device& device) {
  if (device.is_cpu()) return;
  check_device(device);
  cu::set_device(device.index);
  cu::device_synchronize();
  cu::check_device_error_flag(device.index);
}

}  // namespace minidl
