// CPU thread count of minidl's parallel loops (OpenMP) and of its GEMMs (OpenBLAS).
#pragma once

namespace minidl {

/// Uses n threads for CPU work; n == 0 keeps the defaults (all cores). ValueError for n < 0
/// and for n > max_num_threads() (OpenMP cannot start hundreds of thousands of threads; it
/// crashes or hangs instead of failing).
void set_num_threads(int n);
/// Threads CPU loops use now.
int get_num_threads();
/// The most set_num_threads accepts: 4 times the machine's hardware threads (at least 4).
int max_num_threads();

}  // namespace minidl
