// Atomic file replacement: write a temporary file beside the target, flush and
// fsync it, then rename it over the target, so an interrupted or failed save
// leaves the previous file intact (a checkpoint is never half-written).
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace minidl::io {

/// Calls write(stream) on a temporary file and renames it to `path` only if write returns
/// normally and every byte reached the disk; otherwise removes the temporary and rethrows
/// (or throws IOError naming the file).
void atomic_write(const std::string& path, const std::function<void(std::ostream&)>& write);

/// The whole file as bytes; IOError naming the file when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace minidl::io
