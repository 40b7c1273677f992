// Running a program of the build from a test: posix_spawn with its output in files, a wait
// with a deadline (a hang is a failure, never a stuck test), and a kill at any moment. The
// example programs are found beside the test program's build folder, or where
// $MINIDL_EXAMPLES_DIR says.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace minidl::test {

/// build/examples/<name>/<name> for the build this test program belongs to; empty when the
/// examples were not built (MINIDL_BUILD_EXAMPLES=OFF).
inline std::string example_binary(const std::string& name) {
  namespace fs = std::filesystem;
  std::vector<fs::path> roots;
  if (const char* dir = std::getenv("MINIDL_EXAMPLES_DIR")) roots.emplace_back(dir);
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  for (fs::path dir = self.parent_path(); !error && !dir.empty() && dir != dir.root_path(); dir = dir.parent_path())
    roots.push_back(dir / "examples");
  for (const fs::path& root : roots)
    if (fs::is_regular_file(root / name / name, error)) return (root / name / name).string();
  return {};
}

class Process {
 public:
  /// Starts `argv` (argv[0] the program's path) with stdout and stderr to `log`.
  Process(const std::vector<std::string>& argv, const std::string& log) : log_(log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Process() {
    if (running()) kill();
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  bool started() const { return pid_ > 0; }
  bool running() {
    if (pid_ <= 0 || status_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
    return !status_;
  }
  /// SIGKILL, then reaps it.
  void kill() {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    status_ = status;
  }
  /// The exit code once it ended within `limit` (killed and nullopt when it did not; a
  /// death by signal is 128 + the signal, as shells report it).
  std::optional<int> wait(std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (running() && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (running()) {
      kill();
      return std::nullopt;
    }
    return WIFEXITED(*status_) ? WEXITSTATUS(*status_) : 128 + WTERMSIG(*status_);
  }
  std::string output() const {
    std::ifstream in(log_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

}  // namespace minidl::test
