// Strings are appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "x" + std::string.
// Python's float repr by the rule of its float_repr_style 'short': the shortest round-trip
// digits (std::to_chars gives them), laid out fixed or scientific by the decimal exponent.
#include "layers/repr.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace minidl::nn::repr {

std::string py_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  // Scientific, shortest: "d.ddde±XX"; the digits and the exponent are all that is needed.
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string text(buffer, result.ptr);
  const bool negative = text.front() == '-';
  if (negative) text.erase(0, 1);
  const std::size_t e = text.find('e');
  const int exponent = std::atoi(text.c_str() + e + 1);
  std::string digits = text.substr(0, e);
  if (digits.size() > 1) digits.erase(1, 1);  // drop the point: "1.25" -> "125"
  std::string out;
  if (exponent < -4 || exponent >= 16) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out.append(".").append(digits, 1);
    const int magnitude = std::abs(exponent);
    out.append(exponent < 0 ? "e-" : "e+")
        .append(magnitude < 10 ? "0" : "")
        .append(std::to_string(magnitude));
  } else if (exponent < 0) {
    out.append("0.").append(static_cast<std::size_t>(-exponent - 1), '0').append(digits);
  } else {
    const auto whole = static_cast<std::size_t>(exponent) + 1;
    if (digits.size() <= whole)
      out = digits + std::string(whole - digits.size(), '0') + ".0";
    else
      out = digits.substr(0, whole) + "." + digits.substr(whole);
  }
  return negative ? "-" + out : out;
}

std::string py_pair(Size2 size) {
  std::string out = "(";
  out.append(std::to_string(size.h)).append(", ").append(std::to_string(size.w)).append(")");
  return out;
}

std::string py_size(Size2 size) { return size.h == size.w ? std::to_string(size.h) : py_pair(size); }

std::string py_pair(Ratio2 ratio) {
  std::string out = "(";
  out.append(py_float(ratio.h)).append(", ").append(py_float(ratio.w)).append(")");
  return out;
}

}  // namespace minidl::nn::repr
