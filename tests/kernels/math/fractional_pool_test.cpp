// kernels/math/fractional_pool.h: window starts equal PyTorch's (read off its argmax indices by
// golden/make_fractional_pool_golden.py) in float and double, stay in [0, in - k] and never
// decrease, the last window ends the input; the binary search finds exactly the windows holding a
// position; argmax takes the first maximum, NaN winning; gathered gradients sum per argmax.
#include "kernels/math/fractional_pool.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace minidl::kernels {
namespace {

struct WindowsRecord {
  std::string dtype;
  int64_t in = 0, out = 0, kernel = 0;
  double u = 0;
  std::vector<int64_t> starts;
};

std::vector<WindowsRecord> read_windows() {
  const char* root = std::getenv("MINIDL_SOURCE_DIR");  // set by ctest
  const std::filesystem::path source =
      root ? std::filesystem::path(root) / "tests"
           : std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
  const std::filesystem::path path = source / "core/ops/golden/fractional_pool_golden.txt";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<WindowsRecord> records;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("windows ", 0) != 0) continue;
    WindowsRecord r;
    std::istringstream head(line.substr(8));
    head >> r.dtype >> r.in >> r.out >> r.kernel >> r.u;
    std::string key;
    std::size_t count = 0;
    in >> key >> count;
    EXPECT_EQ(key, "starts");
    r.starts.resize(count);
    for (int64_t& s : r.starts) in >> s;
    records.push_back(r);
  }
  return records;
}

template <typename A> std::vector<int64_t> starts_of(const FractionalAxis& ax, A u) {
  std::vector<int64_t> starts;
  const A alpha = fractional_alpha<A>(ax);
  for (int64_t i = 0; i < ax.out; ++i) starts.push_back(fractional_start(i, u, alpha, ax));
  return starts;
}

TEST(FractionalPoolMath, StartsMatchPyTorch) {
  const std::vector<WindowsRecord> records = read_windows();
  ASSERT_EQ(records.size(), 84u);
  for (const WindowsRecord& r : records) {
    SCOPED_TRACE(r.dtype + " in=" + std::to_string(r.in) + " out=" + std::to_string(r.out) +
                 " k=" + std::to_string(r.kernel) + " u=" + std::to_string(r.u));
    const FractionalAxis ax{r.in, r.out, r.kernel};
    if (r.dtype == "float32")
      EXPECT_EQ(starts_of<float>(ax, static_cast<float>(r.u)), r.starts);
    else
      EXPECT_EQ(starts_of<double>(ax, r.u), r.starts);
  }
}

TEST(FractionalPoolMath, StartsAreInsideNonDecreasingAndEndTheInput) {
  for (const FractionalAxis ax :
       {FractionalAxis{10, 5, 2}, FractionalAxis{32, 21, 2}, FractionalAxis{9, 4, 3},
        FractionalAxis{50, 49, 2}, FractionalAxis{7, 1, 3}, FractionalAxis{5, 5, 1}}) {
    for (const float u : {0.0f, 0.1f, 0.5f, 0.9f, std::nextafter(1.0f, 0.0f)}) {
      const std::vector<int64_t> s = starts_of<float>(ax, u);
      EXPECT_EQ(s.back(), ax.in - ax.kernel);
      if (ax.out > 1) {
        EXPECT_EQ(s.front(), 0) << "u=" << u;  // floor(u*a) - floor(u*a)
      }
      for (std::size_t i = 0; i < s.size(); ++i) {
        EXPECT_GE(s[i], 0);
        EXPECT_LE(s[i], ax.in - ax.kernel);
        if (i > 0) {
          EXPECT_LE(s[i - 1], s[i]);
        }
      }
    }
  }
}

TEST(FractionalPoolMath, SamplesOutsideTheUnitIntervalStillGiveWindowsInside) {
  const FractionalAxis ax{20, 7, 3};
  for (const double u : {-3.0, 1.0, 7.5, 1e300, std::numeric_limits<double>::quiet_NaN()})
    for (const int64_t s : starts_of<double>(ax, u)) {
      EXPECT_GE(s, 0) << "u=" << u;
      EXPECT_LE(s, ax.in - ax.kernel) << "u=" << u;
    }
}

TEST(FractionalPoolMath, FirstStartAboveFindsExactlyTheWindowsHoldingAPosition) {
  for (const FractionalAxis ax : {FractionalAxis{10, 5, 2}, FractionalAxis{25, 7, 3},
                                  FractionalAxis{12, 11, 2}, FractionalAxis{7, 1, 3}}) {
    for (const double u : {0.0, 0.3, 0.77}) {
      const double alpha = fractional_alpha<double>(ax);
      const std::vector<int64_t> s = starts_of<double>(ax, u);
      for (int64_t p = 0; p < ax.in; ++p) {
        std::vector<int64_t> holding;  // by a linear scan
        for (int64_t i = 0; i < ax.out; ++i)
          if (s[i] <= p && p < s[i] + ax.kernel) holding.push_back(i);
        const int64_t lo = fractional_first_start_above(p - ax.kernel, u, alpha, ax);
        const int64_t hi = fractional_first_start_above(p, u, alpha, ax);
        std::vector<int64_t> found;
        for (int64_t i = lo; i < hi; ++i) found.push_back(i);
        EXPECT_EQ(found, holding) << "p=" << p << " u=" << u;
      }
    }
  }
}

TEST(FractionalPoolMath, ArgmaxTakesTheFirstMaximumAndNaN) {
  // 4 x 4 plane, 2 windows of 3 per axis (a = 1): starts 0 and 1.
  const float u[2] = {0.25f, 0.25f};
  const FractionalPlane<float> p = fractional_plane<float>({4, 2, 3}, {4, 2, 3}, u);
  std::vector<float> plane(16, 0.0f);
  plane[1 * 4 + 1] = 5.0f;
  plane[2 * 4 + 2] = 5.0f;  // a tie: window (0, 0) keeps (1, 1), the first in row-major order
  EXPECT_EQ(fractional_argmax<float>(plane.data(), p, 0, 0), 1 * 4 + 1);
  EXPECT_EQ(fractional_argmax<float>(plane.data(), p, 1, 1), 1 * 4 + 1);
  plane[3 * 4 + 3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(fractional_argmax<float>(plane.data(), p, 1, 1), 3 * 4 + 3);
  EXPECT_EQ(fractional_argmax<float>(plane.data(), p, 0, 0), 1 * 4 + 1);  // the NaN is outside
}

TEST(FractionalPoolMath, GatheredGradientSumsTheWindowsWhoseArgmaxItIs) {
  const double u[2] = {0.5, 0.5};
  const FractionalPlane<double> p = fractional_plane<double>({4, 2, 3}, {4, 2, 3}, u);
  const std::vector<double> grad = {1.0, 2.0, 4.0, 8.0};
  const std::vector<int64_t> index = {5, 5, 10, 5};  // three windows share their maximum at (1, 1)
  EXPECT_EQ(fractional_grad<double>(grad.data(), index.data(), p, 1, 1), 11.0);
  EXPECT_EQ(fractional_grad<double>(grad.data(), index.data(), p, 2, 2), 4.0);
  EXPECT_EQ(fractional_grad<double>(grad.data(), index.data(), p, 0, 0), 0.0);
}

}  // namespace
}  // namespace minidl::kernels
