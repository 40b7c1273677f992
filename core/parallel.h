// CPU thread count of minidl's parallel loops (OpenMP) and of its GEMMs (OpenBLAS).
#pragma once

namespace minidl {

/// Uses n threads for CPU work (n <= 0 keeps the defaults: all cores).
void set_num_threads(int n);
/// Threads CPU loops use now.
int get_num_threads();

}  // namespace minidl
