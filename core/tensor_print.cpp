// PyTorch-like printing: tensor([[1.0000, 2.0000], ...], dtype=float32, device=cpu).
// Large tensors show the first and last three entries of each dim around "...".
#include <cmath>
#include <iomanip>
#include <sstream>

#include "core/tensor.h"

namespace minidl {
namespace {

constexpr int64_t kSummarizeAbove = 1000;
constexpr int64_t kEdgeItems = 3;

struct Printer {
  const std::vector<double>& values;
  const Shape& shape;
  bool floating;
  bool is_bool;
  bool scientific;
  bool summarize;
  std::ostringstream out;

  void number(double v) {
    if (is_bool) {
      out << (v != 0 ? "True" : "False");
    } else if (!floating) {
      out << static_cast<int64_t>(v);
    } else if (std::isnan(v) || std::isinf(v)) {
      out << (std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
    } else if (scientific) {
      out << std::scientific << std::setprecision(4) << v << std::defaultfloat;
    } else {
      out << std::fixed << std::setprecision(4) << v << std::defaultfloat;
    }
  }

  // Prints the sub-tensor of dim `d` starting at flat index `base` with row-major `stride`.
  void block(std::size_t d, int64_t base, int64_t stride, int indent) {
    if (d == shape.size()) {
      number(values[base]);
      return;
    }
    const int64_t n = shape[d];
    const int64_t inner = stride / std::max<int64_t>(n, 1);
    out << '[';
    for (int64_t i = 0; i < n; ++i) {
      if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) {
        out << (d + 1 == shape.size() ? "..., " : "...,\n" + std::string(indent + 1, ' '));
        i = n - kEdgeItems;
      }
      block(d + 1, base + i * inner, inner, indent + 1);
      if (i + 1 < n) out << (d + 1 == shape.size() ? ", " : ",\n" + std::string(indent + 1, ' '));
    }
    out << ']';
  }
};

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  const std::vector<double> values = to_vector<double>();
  double max_abs = 0;
  double min_abs = INFINITY;
  for (double v : values) {
    if (!std::isfinite(v) || v == 0) continue;
    max_abs = std::max(max_abs, std::abs(v));
    min_abs = std::min(min_abs, std::abs(v));
  }
  Printer printer{values, shape(), is_floating(dtype()), dtype() == DType::Bool,
                  max_abs >= 1e8 || (min_abs < 1e-4 && min_abs != INFINITY), numel() > kSummarizeAbove, {}};
  printer.out << "tensor(";
  printer.block(0, 0, numel(), 7);
  printer.out << ", dtype=" << dtype() << ", device=" << device() << ')';
  return printer.out.str();
}

}  // namespace minidl
