// set_num_threads: a count outside 1..max_num_threads() is a ValueError naming it (OpenMP
// itself crashes or hangs on such counts); 0 keeps the default.
#include "core/parallel.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

namespace minidl {
namespace {

TEST(Threads, ACountOutsideTheRangeIsRefused) {
  const int before = get_num_threads();
  for (const int bad : {-1, max_num_threads() + 1, 100000}) {
    try {
      set_num_threads(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const ValueError& e) {
      EXPECT_NE(std::string(e.what()).find("set_num_threads(" + std::to_string(bad) + ")"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_EQ(get_num_threads(), before);
  set_num_threads(0);
  EXPECT_EQ(get_num_threads(), before);
  set_num_threads(1);
  EXPECT_EQ(get_num_threads(), 1);
  set_num_threads(before);
}

}  // namespace
}  // namespace minidl
