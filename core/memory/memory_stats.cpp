// Formatting of allocator statistics for logs and OutOfMemoryError messages.
#include "core/memory/memory_stats.h"

#include <cstdio>

namespace minidl {
namespace {
std::string mib(std::size_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}
}  // namespace

std::string to_string(const MemoryStats& s) {
  std::string out = "allocated " + mib(s.allocated_bytes) + " (peak " + mib(s.peak_allocated_bytes) +
                    "), reserved " + mib(s.reserved_bytes) + " (peak " + mib(s.peak_reserved_bytes) + "), ";
  out += std::to_string(s.num_allocs) + " allocs, " + std::to_string(s.num_frees) + " frees, " +
         std::to_string(s.num_cache_hits) + " cache hits, " + std::to_string(s.num_backing_mallocs) +
         " backing mallocs, " + std::to_string(s.num_backing_frees) + " backing frees, " +
         std::to_string(s.num_ooms) + " OOMs";
  if (s.num_invalid_frees > 0) out += ", " + std::to_string(s.num_invalid_frees) + " invalid frees";
  return out;
}

}  // namespace minidl
