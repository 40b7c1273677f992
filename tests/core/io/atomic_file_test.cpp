// io::atomic_write: a save replaces the file whole or not at all. A failing writer and a full
// disk (simulated with RLIMIT_FSIZE, which makes write() fail as ENOSPC would) keep the previous
// file and say so; temporaries of crashed saves are removed by the next save, those of live
// processes and look-alike user files are left alone.
#include "core/io/atomic_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace minidl::io {
namespace {
namespace fs = std::filesystem;

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("minidl_atomic_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    target_ = (dir_ / "run.ckpt").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  void save(const std::string& text) {
    atomic_write(target_, [&text](std::ostream& out) { out << text; });
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(dir_)) out.push_back(entry.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  void touch(const std::string& name) { std::ofstream(dir_ / name) << "x"; }

  fs::path dir_;
  std::string target_;
};

// The pid of a process that has exited and been reaped.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

TEST_F(AtomicFile, ReplacesTheFileAndLeavesNoTemporary) {
  save("first");
  save("second");
  EXPECT_EQ(read_file(target_), "second");
  EXPECT_EQ(names(), std::vector<std::string>{"run.ckpt"});
}

TEST_F(AtomicFile, AFailingWriterKeepsThePreviousFile) {
  save("good");
  EXPECT_THROW(atomic_write(target_,
                            [](std::ostream& out) {
                              out << "half";
                              throw ValueError("serializer failed");
                            }),
               ValueError);
  EXPECT_EQ(read_file(target_), "good");
  EXPECT_EQ(names(), std::vector<std::string>{"run.ckpt"});
}

TEST_F(AtomicFile, AFullDiskKeepsThePreviousFileAndSaysSo) {
  save("previous");
  // Writes past 64 KiB fail with EFBIG, as they would with ENOSPC on a full disk.
  struct sigaction ignore {}, old {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGXFSZ, &ignore, &old);
  rlimit saved{};
  ::getrlimit(RLIMIT_FSIZE, &saved);
  rlimit small = saved;
  small.rlim_cur = 64 << 10;
  ::setrlimit(RLIMIT_FSIZE, &small);
  std::string message;
  try {
    save(std::string(1 << 20, 'x'));
  } catch (const IOError& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::sigaction(SIGXFSZ, &old, nullptr);
  EXPECT_NE(message.find("disk full?"), std::string::npos) << message;
  EXPECT_NE(message.find("the previous " + target_ + " is unchanged"), std::string::npos) << message;
  EXPECT_EQ(read_file(target_), "previous");
  EXPECT_EQ(names(), std::vector<std::string>{"run.ckpt"});
}

TEST_F(AtomicFile, TheNextSaveRemovesTemporariesOfCrashedSavesOnly) {
  const std::string dead = ".run.ckpt.minidl-save." + std::to_string(dead_pid()) + ".0";
  const std::string live = ".run.ckpt.minidl-save." + std::to_string(::getppid()) + ".3";  // our parent runs
  touch(dead);
  touch(live);
  touch("run.ckpt.backup");                // a user's files with look-alike names
  touch(".run.ckpt.minidl-save.notapid");
  touch(".other.minidl-save.1.0");         // another target's
  EXPECT_EQ(stale_temporaries(target_), std::vector<std::string>{(dir_ / dead).string()});
  save("new");
  EXPECT_EQ(names(), (std::vector<std::string>{".other.minidl-save.1.0", live, ".run.ckpt.minidl-save.notapid",
                                               "run.ckpt", "run.ckpt.backup"}));
}

TEST_F(AtomicFile, ANewFileInAMissingDirectoryNamesIt) {
  try {
    atomic_write((dir_ / "nowhere" / "x.ckpt").string(), [](std::ostream& out) { out << "x"; });
    FAIL() << "no IOError";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find((dir_ / "nowhere").string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace minidl::io
