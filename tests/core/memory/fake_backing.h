// A fake backing allocator for the caching allocator's tests: counts its calls,
// hands out real heap memory (so tests may write to blocks) and runs out of memory
// beyond a chosen capacity; its stream-use events complete when a test says so.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstdint>
#include <map>
#include <vector>

#include "core/memory/caching_allocator.h"

namespace minidl::detail::test {

constexpr std::size_t kKiB = 1024;
constexpr std::size_t kMiB = 1024 * 1024;
void* const kStreamA = reinterpret_cast<void*>(0x100);
void* const kStreamB = reinterpret_cast<void*>(0x200);

class FakeBacking final : public BackingAllocator {
 public:
  explicit FakeBacking(std::size_t capacity = 1024 * kMiB) : capacity_(capacity) {}
  ~FakeBacking() override {
    for (auto& [ptr, size] : live_) std::free(ptr);
  }
  void* raw_malloc(std::size_t nbytes) override {
    ++malloc_calls;
    if (live_bytes() + nbytes > capacity_) return nullptr;
    void* ptr = std::malloc(nbytes);
    live_[ptr] = nbytes;
    return ptr;
  }
  void raw_free(void* ptr) noexcept override {
    ++free_calls;
    live_.erase(ptr);
    std::free(ptr);
  }
  std::size_t live_bytes() const {
    std::size_t total = 0;
    for (const auto& [ptr, size] : live_) total += size;
    return total;
  }
  std::size_t live_segments() const { return live_.size(); }

  // Stream-use events: each recorded event is pending until complete_events() (or a wait).
  void* record_event(void* stream) override {
    recorded_on.push_back(stream);
    void* event = reinterpret_cast<void*>(++next_event_);
    events_[event] = false;
    return event;
  }
  bool event_done(void* event, bool wait) override {
    if (wait) {
      ++waits;
      events_.at(event) = true;
    }
    return events_.at(event);
  }
  void release_event(void* event) noexcept override { events_.erase(event); }
  void complete_events() {
    for (auto& [event, done] : events_) done = true;
  }
  std::size_t live_events() const { return events_.size(); }

  int malloc_calls = 0;  // every call, failed ones included
  int free_calls = 0;
  int waits = 0;                   // event_done calls that waited
  std::vector<void*> recorded_on;  // the stream of every recorded event

 private:
  std::size_t capacity_;
  std::map<void*, std::size_t> live_;
  std::map<void*, bool> events_;  // event -> completed
  std::uintptr_t next_event_ = 0;
};

inline char* bytes(void* ptr) { return static_cast<char*>(ptr); }

}  // namespace minidl::detail::test
