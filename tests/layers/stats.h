// Sample moments for the initialization tests of tests/layers (mean and population variance,
// computed in double on the host), and the bounds check they share.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/tensor.h"

namespace minidl::test {

struct Moments {
  double mean = 0, var = 0, min = 0, max = 0;
};

inline Moments moments(const Tensor& t) {
  const std::vector<double> v = t.to_vector<double>();
  Moments m;
  for (double x : v) m.mean += x;
  m.mean /= static_cast<double>(v.size());
  for (double x : v) m.var += (x - m.mean) * (x - m.mean);
  m.var /= static_cast<double>(v.size());
  m.min = *std::min_element(v.begin(), v.end());
  m.max = *std::max_element(v.begin(), v.end());
  return m;
}

}  // namespace minidl::test
