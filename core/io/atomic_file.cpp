#include "core/io/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace minidl::io {
namespace fs = std::filesystem;
namespace {
constexpr const char* kTag = ".minidl-save.";

std::string errno_text() { return std::strerror(errno); }

// ".<name>.minidl-save." for the target <dir>/<name>.
std::string temp_prefix(const fs::path& target) {
  std::string prefix(1, '.');
  prefix.append(target.filename().string()).append(kTag);
  return prefix;
}

fs::path directory_of(const fs::path& target) {
  return target.parent_path().empty() ? fs::path(".") : target.parent_path();
}

// The directory is best effort (some file systems cannot open or sync one); the file is not.
void fsync_path(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return;
  const int status = ::fsync(fd);
  ::close(fd);
  MINIDL_CHECK(directory || status == 0, IOError, "cannot flush ", path.string(), " to disk: ", errno_text());
}

// The pid in a temporary's name "<prefix><pid>.<n>" (0 when the name is not one).
pid_t pid_of(const std::string& name, const std::string& prefix) {
  if (name.rfind(prefix, 0) != 0) return 0;
  const char* begin = name.data() + prefix.size();
  const char* end = name.data() + name.size();
  long pid = 0;
  const auto [next, error] = std::from_chars(begin, end, pid);
  if (error != std::errc() || next == begin || next == end || *next != '.' || pid <= 0) return 0;
  return static_cast<pid_t>(pid);
}

bool process_is_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// A new, empty temporary beside `target`, created exclusively.
fs::path create_temporary(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  const std::string prefix = temp_prefix(target).append(std::to_string(::getpid())).append(".");
  for (int attempt = 0; attempt < 100; ++attempt) {
    const fs::path temp = directory_of(target) / (prefix + std::to_string(counter++));
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::close(fd);
      return temp;
    }
    MINIDL_CHECK(errno == EEXIST, IOError, "cannot create ", temp.string(), " to save ", target.string(), ": ",
                 errno_text());
  }
  throw IOError("cannot find a free temporary name beside " + target.string());
}
}  // namespace

std::vector<std::string> stale_temporaries(const std::string& path) {
  const fs::path target(path);
  const std::string prefix = temp_prefix(target);
  std::vector<std::string> stale;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(directory_of(target), error)) {
    const pid_t pid = pid_of(entry.path().filename().string(), prefix);
    if (pid != 0 && pid != ::getpid() && process_is_gone(pid)) stale.push_back(entry.path().string());
  }
  return stale;
}

void atomic_write(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const fs::path target(path);
  std::error_code ignored;
  for (const std::string& stale : stale_temporaries(path)) fs::remove(stale, ignored);
  const fs::path temp = create_temporary(target);
  try {
    try {
      {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        MINIDL_CHECK(out.good(), IOError, "cannot open ", temp.string(), ": ", errno_text());
        write(out);
        out.flush();
        MINIDL_CHECK(out.good(), IOError, "cannot write ", temp.string(), " (disk full?)");
        out.close();
        MINIDL_CHECK(!out.fail(), IOError, "cannot close ", temp.string(), " (disk full?)");
      }
      fsync_path(temp, false);
      fsync_path(directory_of(target), true);
      std::error_code error;
      fs::rename(temp, target, error);
      MINIDL_CHECK(!error, IOError, "cannot rename ", temp.string(), " to ", path, ": ", error.message());
      fsync_path(directory_of(target), true);
    } catch (const IOError& error) {
      const bool previous = fs::exists(target, ignored);
      throw IOError(std::string(error.what()) + "; " +
                    (previous ? "the previous " + path + " is unchanged" : "nothing was written to " + path));
    }
  } catch (...) {
    fs::remove(temp, ignored);
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
