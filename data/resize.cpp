// PIL's resampling (Resample.c) reimplemented from its description: for output pixel i the
// centre is (i + 0.5) * scale in input coordinates, the filter's support is max(scale, 1), the
// weights triangle((x - centre + 0.5) / max(scale, 1)) normalized to sum 1 and then rounded to
// 22-bit fixed point; each pass rounds and clips to 8 bits.
#include "data/resize.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace minidl::data {
namespace {
constexpr int kPrecisionBits = 32 - 8 - 2;

struct Weights {
  int taps = 0;                   // weights per output pixel (some trailing ones zero)
  std::vector<int> first, count;  // per output pixel: first input index, number of inputs
  std::vector<int32_t> fixed;     // [out, taps]
};

Weights weights_for(int64_t in_size, int64_t out_size) {
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  const double filter_scale = std::max(scale, 1.0);
  const double support = 1.0 * filter_scale;  // the triangle filter's support is 1
  Weights w;
  w.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  w.first.resize(static_cast<std::size_t>(out_size));
  w.count.resize(static_cast<std::size_t>(out_size));
  w.fixed.assign(static_cast<std::size_t>(out_size * w.taps), 0);
  std::vector<double> k(static_cast<std::size_t>(w.taps));
  for (int64_t i = 0; i < out_size; ++i) {
    const double centre = (static_cast<double>(i) + 0.5) * scale;
    const int lo = std::max(0, static_cast<int>(centre - support + 0.5));
    const int hi = std::min(static_cast<int>(in_size), static_cast<int>(centre + support + 0.5));
    const int n = hi - lo;
    double total = 0;
    for (int x = 0; x < n; ++x) {
      const double t = std::abs((x + lo - centre + 0.5) / filter_scale);
      k[static_cast<std::size_t>(x)] = t < 1.0 ? 1.0 - t : 0.0;
      total += k[static_cast<std::size_t>(x)];
    }
    for (int x = 0; x < n; ++x) {
      const double v = total != 0 ? k[static_cast<std::size_t>(x)] / total : 0;
      const double scaled = v * (1 << kPrecisionBits);
      w.fixed[static_cast<std::size_t>(i * w.taps + x)] =
          static_cast<int32_t>(v < 0 ? std::trunc(-0.5 + scaled) : std::trunc(0.5 + scaled));
    }
    w.first[static_cast<std::size_t>(i)] = lo;
    w.count[static_cast<std::size_t>(i)] = n;
  }
  return w;
}

uint8_t clip8(int64_t accumulated) {
  const int64_t v = accumulated >> kPrecisionBits;
  return static_cast<uint8_t>(std::clamp<int64_t>(v, 0, 255));
}

// One pass along a dimension: `in` holds `lines` lines of `in_size` samples `stride` apart...
// written for planes [rows, cols]: horizontal resizes cols, vertical resizes rows.
std::vector<uint8_t> resize_rows(const std::vector<uint8_t>& in, int64_t rows, int64_t cols, int64_t out_cols) {
  const Weights w = weights_for(cols, out_cols);
  std::vector<uint8_t> out(static_cast<std::size_t>(rows * out_cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < out_cols; ++i) {
      int64_t sum = int64_t{1} << (kPrecisionBits - 1);
      const int lo = w.first[static_cast<std::size_t>(i)];
      for (int x = 0; x < w.count[static_cast<std::size_t>(i)]; ++x)
        sum += static_cast<int64_t>(in[static_cast<std::size_t>(r * cols + lo + x)]) *
               w.fixed[static_cast<std::size_t>(i * w.taps + x)];
      out[static_cast<std::size_t>(r * out_cols + i)] = clip8(sum);
    }
  return out;
}

std::vector<uint8_t> resize_cols(const std::vector<uint8_t>& in, int64_t rows, int64_t cols, int64_t out_rows) {
  const Weights w = weights_for(rows, out_rows);
  std::vector<uint8_t> out(static_cast<std::size_t>(out_rows * cols));
  for (int64_t i = 0; i < out_rows; ++i) {
    const int lo = w.first[static_cast<std::size_t>(i)];
    for (int64_t c = 0; c < cols; ++c) {
      int64_t sum = int64_t{1} << (kPrecisionBits - 1);
      for (int y = 0; y < w.count[static_cast<std::size_t>(i)]; ++y)
        sum += static_cast<int64_t>(in[static_cast<std::size_t>((lo + y) * cols + c)]) *
               w.fixed[static_cast<std::size_t>(i * w.taps + y)];
      out[static_cast<std::size_t>(i * cols + c)] = clip8(sum);
    }
  }
  return out;
}
}  // namespace

Tensor resize_bilinear(const Tensor& image, int64_t height, int64_t width) {
  MINIDL_CHECK(image.dtype() == DType::UInt8 && image.dim() == 3, DTypeError,
               "resize_bilinear: expected a uint8 image [C, H, W], got ", image.dtype(), " ", shape_str(image.shape()));
  MINIDL_CHECK(height >= 1 && width >= 1, ValueError, "resize_bilinear: the size must be positive, got ", height,
               "x", width);
  const Tensor src = image.to(Device::cpu()).contiguous();
  const int64_t channels = src.size(0), rows = src.size(1), cols = src.size(2);
  if (rows == height && cols == width) return src;
  Tensor out = empty({channels, height, width}, {.dtype = DType::UInt8});
  const auto* in = static_cast<const uint8_t*>(src.data_ptr());
  auto* dst = static_cast<uint8_t*>(out.data_ptr());
  for (int64_t c = 0; c < channels; ++c) {
    std::vector<uint8_t> plane(in + c * rows * cols, in + (c + 1) * rows * cols);
    if (width != cols) plane = resize_rows(plane, rows, cols, width);
    if (height != rows) plane = resize_cols(plane, rows, width, height);
    std::copy(plane.begin(), plane.end(), dst + c * height * width);
  }
  return out;
}

}  // namespace minidl::data
