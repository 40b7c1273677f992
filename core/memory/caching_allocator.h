// Host-side bookkeeping of a caching allocator, a simplified PyTorch
// CUDACachingAllocator: blocks rounded to 512 B, kept on per-stream free lists,
// split and merged inside segments got from a BackingAllocator, reused without
// calling it. No CUDA here, so it is tested with a fake backing allocator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/memory/memory_stats.h"

namespace minidl::detail {

/// The real memory source behind the cache (cudaMalloc, cudaMallocHost, a test fake).
struct BackingAllocator {
  virtual ~BackingAllocator() = default;
  /// nullptr when out of memory; other failures throw.
  virtual void* raw_malloc(std::size_t nbytes) = 0;
  virtual void raw_free(void* ptr) noexcept = 0;
  /// Stream-use events (record_stream): an event recorded on `stream` now, released later with
  /// release_event; nullptr when there is nothing to wait for. The defaults serve memory with no
  /// streams (host memory).
  virtual void* record_event(void* stream) {
    (void)stream;
    return nullptr;
  }
  /// Whether the work queued before `event` is done; with `wait`, waits until it is (and is true).
  virtual bool event_done(void* event, bool wait) {
    (void)event, (void)wait;
    return true;
  }
  virtual void release_event(void* event) noexcept { (void)event; }
};

// Size classes. Small requests share 2 MiB segments; large ones get a segment each.
inline constexpr std::size_t kMinBlockSize = 512;                 ///< granularity of every block
inline constexpr std::size_t kSmallRequestMax = 1 << 20;          ///< largest small-pool request
inline constexpr std::size_t kSmallSegmentSize = 2 << 20;         ///< segment carved for small blocks
inline constexpr std::size_t kLargeSegmentRounding = 2 << 20;     ///< large segments are multiples of this
inline constexpr std::size_t kMaxRequest = std::size_t{1} << 60;  ///< above this: OOM, no rounding overflow

/// nbytes rounded up to a multiple of kMinBlockSize; 0 becomes kMinBlockSize.
constexpr std::size_t round_size(std::size_t nbytes) {
  return nbytes < kMinBlockSize ? kMinBlockSize
                                : (nbytes + kMinBlockSize - 1) / kMinBlockSize * kMinBlockSize;
}
/// Whether a rounded request is served by the small pool.
constexpr bool is_small_request(std::size_t rounded) { return rounded <= kSmallRequestMax; }
/// Bytes to ask the backing allocator for when no cached block fits a rounded request.
constexpr std::size_t segment_size(std::size_t rounded) {
  return is_small_request(rounded)
             ? kSmallSegmentSize
             : (rounded + kLargeSegmentRounding - 1) / kLargeSegmentRounding * kLargeSegmentRounding;
}
/// Whether a free block of block_size serving `rounded` keeps its tail as a new free
/// block. Large-pool tails must stay large (> 1 MiB) so the two pools never mix.
constexpr bool should_split(std::size_t block_size, std::size_t rounded, bool small_pool) {
  const std::size_t remaining = block_size - rounded;
  return small_pool ? remaining >= kMinBlockSize : remaining > kSmallRequestMax;
}

/// Whether the value of MINIDL_NO_CUDA_MEMORY_CACHING (nullptr: unset) turns caching off:
/// any value but "" and "0" does, as PYTORCH_NO_CUDA_MEMORY_CACHING in PyTorch.
bool no_caching_requested(const char* env_value);

/// Whether the cache keeps freed blocks (Cache) or hands every request straight to the backing
/// allocator at its exact size and frees it at once (PassThrough: slow, but each tensor is its
/// own cudaMalloc, so compute-sanitizer memcheck sees every out-of-bounds access).
enum class CachePolicy { Cache, PassThrough };

/// Thread-safe. Blocks freed on a stream are only reused by requests of the same
/// stream, so stream order alone makes reuse safe; a block used by another stream too is
/// marked with record_stream, and once freed it waits, off the free lists, until the work
/// queued on those streams by then is done (PyTorch's record_stream).
class CachingAllocator {
 public:
  /// `name` (e.g. "cuda:0") prefixes error messages. `backing` must outlive this.
  CachingAllocator(BackingAllocator& backing, std::string name, CachePolicy policy = CachePolicy::Cache);
  /// Gives back the fully free segments; segments with live blocks are left alone
  /// (their pointers may still be in use), so destroy only when all blocks are freed.
  ~CachingAllocator();
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  /// At least nbytes, 512-byte aligned relative to the segment start. nbytes == 0
  /// returns a valid, unique pointer (a minimum block), like cpu_allocator().
  /// Out of memory: empties the cache, retries once, then throws OutOfMemoryError.
  void* allocate(std::size_t nbytes, void* stream);
  /// nullptr is ignored; an unknown or already freed pointer is counted in
  /// num_invalid_frees and otherwise ignored. Never throws.
  void deallocate(void* ptr) noexcept;
  /// Marks the live block that starts at ptr as used by `stream` as well as by the stream it was
  /// allocated on (that one is ignored here). Throws ValueError for a pointer this allocator did
  /// not hand out or that was freed.
  void record_stream(void* ptr, void* stream);
  /// Freed blocks still waiting for another stream's work (record_stream).
  std::size_t pending_frees() const;
  /// Gives every fully free segment back to the backing allocator.
  void empty_cache();
  MemoryStats stats() const;
  void reset_peak();
  /// Caps reserved_bytes (what the backing allocator has given) at `bytes`; 0: no cap. A
  /// request that would pass it is treated as out of memory (the cache is released, the
  /// request retried, then OutOfMemoryError names the limit) — to share a GPU with another
  /// process, or to test out-of-memory handling without filling a device.
  void set_memory_limit(std::size_t bytes);
  std::size_t memory_limit() const;

 private:
  struct Block {
    void* ptr;
    std::size_t size;
    void* stream;
    bool small_pool;
    bool allocated = false;
    Block* prev = nullptr;  // neighbours in the same segment
    Block* next = nullptr;
    std::vector<void*> stream_uses = {};  // other streams that use it (record_stream)
  };
  struct PendingFree {  // a freed block whose other streams' events have not all completed
    Block* block;
    std::vector<void*> events;
  };
  // Best fit: the first block not smaller than the request, among the same stream's.
  struct BlockOrder {
    bool operator()(const Block* a, const Block* b) const;
  };
  using FreeBlocks = std::set<Block*, BlockOrder>;

  FreeBlocks& pool(bool small_pool) { return small_pool ? small_free_ : large_free_; }
  void* allocate_uncached(std::size_t nbytes, void* stream);
  void deallocate_uncached(Block* block);
  void free_block(Block* block);
  void process_pending_frees(bool wait);
  Block* find_free_block(std::size_t rounded, void* stream, bool small_pool);
  Block* new_segment(std::size_t rounded, void* stream, bool small_pool);
  void split(Block* block, std::size_t rounded);
  Block* merge_free_neighbours(Block* block);
  void release_free_segments();
  [[noreturn]] void throw_oom(std::size_t nbytes, const char* why);
  void count_allocation(Block* block);

  BackingAllocator& backing_;
  const std::string name_;
  const CachePolicy policy_;
  std::size_t limit_ = 0;  // 0: none
  mutable std::mutex mutex_;
  FreeBlocks small_free_;
  FreeBlocks large_free_;
  std::unordered_map<void*, Block*> live_;
  std::vector<PendingFree> pending_;
  MemoryStats stats_;
};

}  // namespace minidl::detail
