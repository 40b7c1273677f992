// Small text helpers for error messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace minidl::detail {

/// The items separated by `separator` ("a, b, c").
inline std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace minidl::detail
