// Bytes from a file shown in an error message: printable ASCII as it is, everything else
// (control characters, bytes of invalid or non-ASCII text) as \xNN, and long texts cut, so a
// corrupt file can never put a terminal escape sequence or a megabyte of garbage into a log.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace minidl::io {

/// `bytes` with every byte outside 0x20..0x7e written as \xNN (and '\' as \\), cut after
/// `max_bytes` input bytes with "...(N bytes)" appended.
std::string escaped(std::string_view bytes, std::size_t max_bytes = 120);

}  // namespace minidl::io
