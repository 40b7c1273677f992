#include "core/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace minidl::io {
namespace {
std::string errno_text() { return std::strerror(errno); }

void fsync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return;  // best effort for the directory entry
  const int status = ::fsync(fd);
  ::close(fd);
  MINIDL_CHECK(directory || status == 0, IOError, "cannot flush ", path, " to disk: ", errno_text());
}
}  // namespace

void atomic_write(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const std::filesystem::path target(path);
  const std::filesystem::path temp = target.string() + ".tmp." + std::to_string(::getpid());
  try {
    {
      std::ofstream out(temp, std::ios::binary | std::ios::trunc);
      MINIDL_CHECK(out.good(), IOError, "cannot create ", temp.string(), ": ", errno_text());
      write(out);
      out.flush();
      MINIDL_CHECK(out.good(), IOError, "cannot write ", temp.string(), " (disk full?)");
    }
    fsync_path(temp.string(), false);
    std::error_code error;
    std::filesystem::rename(temp, target, error);
    MINIDL_CHECK(!error, IOError, "cannot rename ", temp.string(), " to ", path, ": ", error.message());
    const auto parent = target.parent_path();
    fsync_path(parent.empty() ? "." : parent.string(), true);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw;
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  MINIDL_CHECK(in.good(), IOError, "cannot open ", path, ": ", errno_text());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  MINIDL_CHECK(!in.bad(), IOError, "cannot read ", path);
  return bytes.str();
}

}  // namespace minidl::io
