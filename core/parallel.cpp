#include "core/parallel.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <thread>

#include "core/error.h"

namespace minidl {

int max_num_threads() { return 4 * std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

void set_num_threads(int n) {
  MINIDL_CHECK(n >= 0 && n <= max_num_threads(), ValueError, "set_num_threads(", n,
               "): the thread count must be 1 to ", max_num_threads(),
               " (4 times this machine's hardware threads), or 0 for the default");
  if (n == 0) return;
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int get_num_threads() { return omp_get_max_threads(); }

}  // namespace minidl
