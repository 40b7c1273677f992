// Sums on the CPU in independent partial sums ("lanes"), which the compiler keeps in vector
// registers without reassociating floating-point additions; the order of every addition is
// fixed, so a sum depends on its inputs alone, never on the thread count.
#pragma once

#include <cstdint>

namespace minidl::kernels::cpu {

/// The sum, in A, of value(j) for j in [0, n): value j goes to lane j % Lanes for the full
/// blocks of Lanes values, the tail is summed first, then the lanes are added in order.
template <typename A, int Lanes, typename Value> A lane_sum(int64_t n, Value&& value) {
  A lanes[Lanes] = {};
  int64_t j = 0;
  for (; j + Lanes <= n; j += Lanes)
    for (int lane = 0; lane < Lanes; ++lane) lanes[lane] += static_cast<A>(value(j + lane));
  A total = 0;
  for (; j < n; ++j) total += static_cast<A>(value(j));
  for (const A lane : lanes) total += lane;
  return total;
}

}  // namespace minidl::kernels::cpu
