// Crash safety, proven by killing: cifar10_train is started with a checkpoint after every
// epoch (20 optimizer steps) and sent SIGKILL again and again, at random moments and at moments
// when a save is under way (a save's temporary file is seen on disk), then restarted with
// --resume each time. After every kill the checkpoint on disk must load and at most the one
// temporary of the killed save may remain; the chain must end with exactly the weights and
// optimizer state of a run that was never interrupted, with no temporary left and a metrics
// log holding each epoch once.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <random>

#include "core/io/safetensors.h"
#include "support/subprocess.h"
#include "synthetic_cifar.h"
#include "train/checkpoint.h"
#include "train/metrics.h"

namespace {
namespace fs = std::filesystem;
using minidl::test::Process;

int temporaries(const fs::path& dir) {
  int count = 0;
  for (const auto& entry : fs::directory_iterator(dir))
    count += entry.path().filename().string().find(".minidl-save.") != std::string::npos;
  return count;
}

TEST(Cifar10Kill, EveryKillLeavesALoadableCheckpointAndResumingEndsWhereAStraightRunEnds) {
  const std::string binary = minidl::test::example_binary("cifar10_train");
  if (binary.empty()) GTEST_SKIP() << "cifar10_train is not built here (MINIDL_BUILD_EXAMPLES=OFF)";
  const fs::path data = minidl::test::synthetic_cifar10("kill", 64, 16);
  const fs::path out = data / "out";
  fs::create_directories(out);
  constexpr int kEpochs = 80;
  auto args = [&](const std::string& checkpoint) {
    return std::vector<std::string>{binary, "--data", data.string(), "--subset-data", "--device", "cpu",
                                    "--model", "mlp", "--width", "0.5", "--epochs", std::to_string(kEpochs),
                                    "--batch-size", "16", "--threads", "1", "--seed", "5", "--lr", "0.01",
                                    "--augment", "crop", "--schedule", "cosine", "--ema", "0.9",
                                    "--checkpoint", checkpoint};
  };
  const std::string straight_path = (data / "straight.ckpt").string();
  {
    Process straight(args(straight_path), (data / "straight.log").string());
    ASSERT_EQ(straight.wait(std::chrono::minutes(3)), 0) << straight.output();
  }

  const std::string ckpt = (out / "run.ckpt").string();
  const std::string metrics = (out / "metrics.jsonl").string();
  std::mt19937 rng(2026);
  std::uniform_int_distribution<int> delay_ms(20, 400);
  int kills = 0, kills_during_saves = 0, resumes = 0;
  constexpr int kRandomKills = 12, kSaveKills = 12;
  for (int attempt = 0;; ++attempt) {
    ASSERT_LT(attempt, 200) << "the chain does not finish";
    std::vector<std::string> argv = args(ckpt);
    argv.insert(argv.end(), {"--metrics", metrics});
    if (fs::exists(ckpt)) {
      argv.insert(argv.end(), {"--resume", ckpt});
      ++resumes;
    }
    Process run(argv, (data / "chain.log").string());
    ASSERT_TRUE(run.started());
    if (kills >= kRandomKills + kSaveKills) {  // enough: let it finish
      ASSERT_EQ(run.wait(std::chrono::minutes(3)), 0) << run.output();
      break;
    }
    bool saving = false;
    if (kills < kRandomKills) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
      saving = temporaries(out) > 0;
    } else {  // wait for a save to begin, then kill at once
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (!saving && run.running() && std::chrono::steady_clock::now() < give_up) saving = temporaries(out) > 0;
    }
    if (!run.running()) {  // it finished before the kill
      ASSERT_EQ(run.wait(std::chrono::seconds(1)), 0) << run.output();
      break;
    }
    run.kill();
    ++kills;
    kills_during_saves += saving;
    EXPECT_LE(temporaries(out), 1) << "temporaries pile up";
    if (fs::exists(ckpt)) {
      EXPECT_NO_THROW(minidl::train::checkpoint_metadata(ckpt)) << "kill " << kills << " broke the checkpoint";
    }
  }
  std::cout << "kills: " << kills << " (" << kills_during_saves << " during a save), resumes: " << resumes << "\n";
  RecordProperty("kills", kills);
  RecordProperty("kills_during_saves", kills_during_saves);
  RecordProperty("resumes", resumes);
  EXPECT_GE(kills, kRandomKills);
  EXPECT_GT(kills_during_saves, 0);
  EXPECT_EQ(temporaries(out), 0) << "the last save removes the killed saves' temporaries";

  const auto straight = minidl::io::load_safetensors(straight_path).tensors;
  const auto chained = minidl::io::load_safetensors(ckpt).tensors;
  ASSERT_EQ(straight.size(), chained.size());
  for (const auto& [key, tensor] : straight) {
    ASSERT_TRUE(chained.count(key)) << key;
    const minidl::Tensor& other = chained.at(key);
    const bool same = other.dtype() == tensor.dtype() && other.shape() == tensor.shape() &&
                      std::memcmp(other.data_ptr(), tensor.data_ptr(), tensor.nbytes()) == 0;
    EXPECT_TRUE(same) << key << " differs from the uninterrupted run";
  }
  const auto records = minidl::train::read_metrics(metrics);
  ASSERT_EQ(records.size(), static_cast<std::size_t>(kEpochs));
  for (int e = 0; e < kEpochs; ++e) EXPECT_EQ(records[static_cast<std::size_t>(e)].epoch, e + 1);
  fs::remove_all(data);
}

}  // namespace
