// Atomic file replacement: write a temporary file beside the target, flush and
// fsync it, then rename it over the target, so an interrupted or failed save
// leaves the previous file intact (a checkpoint is never half-written).
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace minidl::io {

/// Calls write(stream) on a new temporary file beside `path` and renames it to `path` only if
/// write returns normally and every byte reached the disk (the file and its directory are
/// fsynced before and after the rename); otherwise removes the temporary and rethrows, or throws
/// IOError naming the file and saying whether the previous `path` is unchanged.
///
/// The temporary is ".<name>.minidl-save.<pid>.<n>" in the target's directory, created with
/// O_EXCL, so it never replaces a user's file. A process killed mid-save leaves its temporary
/// behind; the next save of the same target removes every temporary whose process is gone.
void atomic_write(const std::string& path, const std::function<void(std::ostream&)>& write);

/// The temporaries of earlier saves of `path` whose process no longer runs (what atomic_write
/// removes before it writes).
std::vector<std::string> stale_temporaries(const std::string& path);

/// The whole file as bytes; IOError naming the file when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace minidl::io
