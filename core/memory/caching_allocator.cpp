// The caching allocator's bookkeeping: best-fit lookup in per-pool free sets,
// block splitting and merging inside segments, OOM recovery (free the cache,
// retry once) and statistics. See caching_allocator.h for the size classes.
#include "core/memory/caching_allocator.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <tuple>

#include "core/error.h"

namespace minidl::detail {
namespace {
std::uintptr_t address(const void* ptr) { return reinterpret_cast<std::uintptr_t>(ptr); }
}  // namespace

bool CachingAllocator::BlockOrder::operator()(const Block* a, const Block* b) const {
  return std::make_tuple(address(a->stream), a->size, address(a->ptr)) <
         std::make_tuple(address(b->stream), b->size, address(b->ptr));
}

bool no_caching_requested(const char* env_value) {
  return env_value != nullptr && std::string_view(env_value) != "" && std::string_view(env_value) != "0";
}

CachingAllocator::CachingAllocator(BackingAllocator& backing, std::string name, CachePolicy policy)
    : backing_(backing), name_(std::move(name)), policy_(policy) {}

CachingAllocator::~CachingAllocator() {
  std::lock_guard lock(mutex_);
  try {
    process_pending_frees(/*wait=*/true);
  } catch (...) {  // the device is gone: its pending blocks need no waiting any more
  }
  release_free_segments();
  // What remains belongs to segments with live blocks: forget the bookkeeping only.
  for (FreeBlocks* free_blocks : {&small_free_, &large_free_})
    for (Block* block : *free_blocks) delete block;
  for (auto& [ptr, block] : live_) delete block;
  for (PendingFree& pending : pending_) delete pending.block;
}

void* CachingAllocator::allocate(std::size_t nbytes, void* stream) {
  std::lock_guard lock(mutex_);
  if (nbytes > kMaxRequest) throw_oom(nbytes, "more than this allocator supports");
  process_pending_frees(/*wait=*/false);
  if (policy_ == CachePolicy::PassThrough) return allocate_uncached(nbytes, stream);
  const std::size_t rounded = round_size(nbytes);
  const bool small_pool = is_small_request(rounded);
  Block* block = find_free_block(rounded, stream, small_pool);
  if (block != nullptr) {
    ++stats_.num_cache_hits;
  } else {
    block = new_segment(rounded, stream, small_pool);
    if (block == nullptr) {
      // Cached blocks of other sizes or streams, or blocks still waiting for another
      // stream, may be what stands in the way.
      process_pending_frees(/*wait=*/true);
      release_free_segments();
      block = new_segment(rounded, stream, small_pool);
    }
    if (block == nullptr)
      throw_oom(nbytes, limit_ != 0 && stats_.reserved_bytes + segment_size(rounded) > limit_
                            ? "which would pass the memory limit even after releasing the cache"
                            : "even after releasing the cache and retrying");
  }
  if (should_split(block->size, rounded, small_pool)) split(block, rounded);
  count_allocation(block);
  return block->ptr;
}

void CachingAllocator::deallocate(void* ptr) noexcept {
  if (ptr == nullptr) return;
  std::lock_guard lock(mutex_);
  const auto found = live_.find(ptr);
  if (found == live_.end()) {
    ++stats_.num_invalid_frees;
    return;
  }
  Block* block = found->second;
  live_.erase(found);
  stats_.allocated_bytes -= block->size;
  ++stats_.num_frees;
  if (!block->stream_uses.empty()) {
    PendingFree pending{block, {}};
    try {
      for (void* stream : block->stream_uses)
        if (void* event = backing_.record_event(stream)) pending.events.push_back(event);
    } catch (...) {
      // No event could be recorded (a broken context): the block is never reused, which is safe.
      for (void* event : pending.events) backing_.release_event(event);
      return;
    }
    block->stream_uses.clear();
    if (!pending.events.empty()) {
      pending_.push_back(std::move(pending));
      return;  // still allocated as far as merging is concerned
    }
  }
  free_block(block);
}

void CachingAllocator::record_stream(void* ptr, void* stream) {
  std::lock_guard lock(mutex_);
  const auto found = live_.find(ptr);
  MINIDL_CHECK(found != live_.end(), ValueError, name_, ": record_stream of ", ptr,
               ", which is not a live block of this allocator");
  Block* block = found->second;
  if (stream == block->stream) return;
  for (void* s : block->stream_uses)
    if (s == stream) return;
  block->stream_uses.push_back(stream);
}

std::size_t CachingAllocator::pending_frees() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

// A block nobody uses any more: back to the free lists (or the backing allocator).
void CachingAllocator::free_block(Block* block) {
  block->allocated = false;
  if (policy_ == CachePolicy::PassThrough) {
    deallocate_uncached(block);
    return;
  }
  pool(block->small_pool).insert(merge_free_neighbours(block));
}

// Frees the pending blocks whose events have all completed (with `wait`, all of them).
void CachingAllocator::process_pending_frees(bool wait) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    bool done = true;
    for (void* event : it->events) done = backing_.event_done(event, wait) && done;
    if (!done) {
      ++it;
      continue;
    }
    for (void* event : it->events) backing_.release_event(event);
    free_block(it->block);
    it = pending_.erase(it);
  }
}

// One backing allocation of exactly the request (at least a byte, so 0 still gets a unique pointer).
void* CachingAllocator::allocate_uncached(std::size_t nbytes, void* stream) {
  const std::size_t size = std::max<std::size_t>(nbytes, 1);
  if (limit_ != 0 && stats_.reserved_bytes + size > limit_) throw_oom(nbytes, "which would pass the memory limit");
  void* ptr = backing_.raw_malloc(size);
  if (ptr == nullptr) throw_oom(nbytes, "with caching disabled (MINIDL_NO_CUDA_MEMORY_CACHING)");
  ++stats_.num_backing_mallocs;
  stats_.reserved_bytes += size;
  stats_.peak_reserved_bytes = std::max(stats_.peak_reserved_bytes, stats_.reserved_bytes);
  auto* block = new Block{ptr, size, stream, is_small_request(size)};
  count_allocation(block);
  return ptr;
}

void CachingAllocator::deallocate_uncached(Block* block) {
  backing_.raw_free(block->ptr);
  ++stats_.num_backing_frees;
  stats_.reserved_bytes -= block->size;
  delete block;
}

void CachingAllocator::empty_cache() {
  std::lock_guard lock(mutex_);
  process_pending_frees(/*wait=*/true);
  release_free_segments();
}

MemoryStats CachingAllocator::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void CachingAllocator::reset_peak() {
  std::lock_guard lock(mutex_);
  stats_.peak_allocated_bytes = stats_.allocated_bytes;
  stats_.peak_reserved_bytes = stats_.reserved_bytes;
}

CachingAllocator::Block* CachingAllocator::find_free_block(std::size_t rounded, void* stream,
                                                           bool small_pool) {
  FreeBlocks& free_blocks = pool(small_pool);
  Block key{nullptr, rounded, stream, small_pool};
  const auto found = free_blocks.lower_bound(&key);
  if (found == free_blocks.end() || (*found)->stream != stream) return nullptr;
  Block* block = *found;
  free_blocks.erase(found);
  return block;
}

CachingAllocator::Block* CachingAllocator::new_segment(std::size_t rounded, void* stream, bool small_pool) {
  const std::size_t size = segment_size(rounded);
  if (limit_ != 0 && stats_.reserved_bytes + size > limit_) return nullptr;
  void* ptr = backing_.raw_malloc(size);
  if (ptr == nullptr) return nullptr;
  ++stats_.num_backing_mallocs;
  stats_.reserved_bytes += size;
  stats_.peak_reserved_bytes = std::max(stats_.peak_reserved_bytes, stats_.reserved_bytes);
  return new Block{ptr, size, stream, small_pool};
}

// Keeps the first `rounded` bytes in `block`; the tail becomes a free block.
void CachingAllocator::split(Block* block, std::size_t rounded) {
  auto* tail = new Block{static_cast<char*>(block->ptr) + rounded, block->size - rounded, block->stream,
                         block->small_pool};
  tail->prev = block;
  tail->next = block->next;
  if (tail->next != nullptr) tail->next->prev = tail;
  block->next = tail;
  block->size = rounded;
  pool(block->small_pool).insert(tail);
}

// Absorbs free neighbours into `block` (removing them from the free set) and returns it.
CachingAllocator::Block* CachingAllocator::merge_free_neighbours(Block* block) {
  FreeBlocks& free_blocks = pool(block->small_pool);
  if (Block* next = block->next; next != nullptr && !next->allocated) {
    free_blocks.erase(next);
    block->size += next->size;
    block->next = next->next;
    if (block->next != nullptr) block->next->prev = block;
    delete next;
  }
  if (Block* prev = block->prev; prev != nullptr && !prev->allocated) {
    free_blocks.erase(prev);
    prev->size += block->size;
    prev->next = block->next;
    if (prev->next != nullptr) prev->next->prev = prev;
    delete block;
    block = prev;
  }
  return block;
}

// A free block with no neighbours is a whole segment nobody uses.
void CachingAllocator::release_free_segments() {
  for (FreeBlocks* free_blocks : {&small_free_, &large_free_}) {
    for (auto it = free_blocks->begin(); it != free_blocks->end();) {
      Block* block = *it;
      if (block->prev != nullptr || block->next != nullptr) {
        ++it;
        continue;
      }
      it = free_blocks->erase(it);
      backing_.raw_free(block->ptr);
      ++stats_.num_backing_frees;
      stats_.reserved_bytes -= block->size;
      delete block;
    }
  }
}

void CachingAllocator::set_memory_limit(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  limit_ = bytes;
}

std::size_t CachingAllocator::memory_limit() const {
  std::lock_guard lock(mutex_);
  return limit_;
}

void CachingAllocator::throw_oom(std::size_t nbytes, const char* why) {
  ++stats_.num_ooms;
  char mib[32];
  std::snprintf(mib, sizeof mib, "%.2f", static_cast<double>(nbytes) / (1024.0 * 1024.0));
  const std::string limit = limit_ == 0 ? "" : str_cat(" (limit ", limit_, " bytes)");
  throw OutOfMemoryError(str_cat(name_, ": out of memory: tried to allocate ", nbytes, " bytes (", mib,
                                 " MiB), ", why, limit, "; ", to_string(stats_)));
}

void CachingAllocator::count_allocation(Block* block) {
  block->allocated = true;
  live_.emplace(block->ptr, block);
  ++stats_.num_allocs;
  stats_.allocated_bytes += block->size;
  stats_.peak_allocated_bytes = std::max(stats_.peak_allocated_bytes, stats_.allocated_bytes);
}

}  // namespace minidl::detail
