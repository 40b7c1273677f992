// Tests of the allocator statistics' formatting (core/memory/memory_stats.*).
#include "core/memory/memory_stats.h"

#include <gtest/gtest.h>

namespace minidl {
namespace {

TEST(MemoryStats, ToStringShowsMiBAndCounters) {
  MemoryStats stats;
  stats.allocated_bytes = 3 * 512 * 1024;  // 1.5 MiB
  stats.peak_allocated_bytes = 2 * 1024 * 1024;
  stats.reserved_bytes = 4 * 1024 * 1024;
  stats.peak_reserved_bytes = 6 * 1024 * 1024;
  stats.num_allocs = 11;
  stats.num_frees = 7;
  stats.num_backing_mallocs = 3;
  stats.num_backing_frees = 1;
  stats.num_cache_hits = 8;
  stats.num_ooms = 2;
  const std::string text = to_string(stats);
  EXPECT_NE(text.find("allocated 1.50 MiB (peak 2.00 MiB)"), std::string::npos) << text;
  EXPECT_NE(text.find("reserved 4.00 MiB (peak 6.00 MiB)"), std::string::npos) << text;
  for (const char* part :
       {"11 allocs", "7 frees", "8 cache hits", "3 backing mallocs", "1 backing frees", "2 OOMs"})
    EXPECT_NE(text.find(part), std::string::npos) << part << " missing from: " << text;
  EXPECT_EQ(text.find("invalid"), std::string::npos) << text;
}

TEST(MemoryStats, ToStringMentionsInvalidFreesOnlyWhenThereAreSome) {
  MemoryStats stats;
  stats.num_invalid_frees = 5;
  EXPECT_NE(to_string(stats).find("5 invalid frees"), std::string::npos) << to_string(stats);
}

}  // namespace
}  // namespace minidl
