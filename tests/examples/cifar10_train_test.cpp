// The CIFAR-10 example end to end on a tiny synthetic image set: it learns the
// training set perfectly, and a run resumed from a checkpoint ends with exactly
// the weights of a run that never stopped.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <sstream>

#include "core/io/atomic_file.h"
#include "core/io/safetensors.h"
#include "core/memory/memory_limit.h"
#include "trainer.h"

namespace cifar10 {
namespace {

using minidl::Tensor;

// Four classes, each a colour blob in its own quadrant on a noisy background.
minidl::data::ImageDataset synthetic(int64_t per_class, unsigned seed) {
  const int64_t n = 4 * per_class;
  std::vector<uint8_t> pixels(static_cast<std::size_t>(n * 3 * 32 * 32));
  std::vector<int64_t> labels(static_cast<std::size_t>(n));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(0, 80);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = i % 4;
    labels[i] = label;
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) {
          const bool in_blob = (y / 16) == (label / 2) && (x / 16) == (label % 2);
          const int value = noise(rng) + (in_blob ? 150 - 50 * c : 0);
          pixels[((i * 3 + c) * 32 + y) * 32 + x] = static_cast<uint8_t>(std::min(value, 255));
        }
  }
  return {minidl::from_vector<uint8_t>(pixels, {n, 3, 32, 32}), minidl::from_vector<int64_t>(labels), 4};
}

Config tiny_config() {
  Config c;
  c.device = "cpu";
  c.epochs = 4;
  c.batch_size = 16;
  c.lr = 0.02;
  c.augment = "crop";  // not flip: mirroring would swap the left and right classes
  c.seed = 7;
  return c;
}

std::string temp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("minidl_cifar_" + name + std::to_string(::getpid()))).string();
}

TEST(Cifar10Train, LearnsATinySyntheticSet) {
  const auto train = synthetic(48, 1);
  std::ostringstream log;
  // Evaluated on the training set itself (eval mode, no augmentation): it is learnt perfectly.
  const Result result = run(tiny_config(), train, train, log);
  EXPECT_EQ(result.epochs_run, 4);
  EXPECT_EQ(result.test_acc, 1.0) << log.str();
  EXPECT_GT(result.train_acc, 0.8) << log.str();  // on augmented batches, averaged over the last epoch
  EXPECT_GT(result.images_per_s, 0);
  EXPECT_NE(log.str().find("epoch 4/4"), std::string::npos) << log.str();
}

TEST(Cifar10Train, ResumeEqualsAnUninterruptedRun) {
  const auto train = synthetic(8, 3);
  const auto test = synthetic(2, 4);
  std::ostringstream log;
  Config straight = tiny_config();
  straight.epochs = 2;
  straight.ema = 0.9;
  straight.checkpoint = temp("straight");
  run(straight, train, test, log);

  Config first = straight;
  first.stop_after = 1;  // an interrupted run
  first.checkpoint = temp("first");
  run(first, train, test, log);
  Config second = straight;
  second.resume = first.checkpoint;
  second.checkpoint = temp("second");
  run(second, train, test, log);

  const auto a = minidl::io::load_safetensors(straight.checkpoint).tensors;
  const auto b = minidl::io::load_safetensors(second.checkpoint).tensors;
  ASSERT_EQ(a.size(), b.size());
  int compared = 0;
  for (const auto& [key, tensor] : a) {
    ASSERT_TRUE(b.count(key)) << key;
    EXPECT_EQ(tensor.to_vector<double>(), b.at(key).to_vector<double>()) << key;
    ++compared;
  }
  EXPECT_GT(compared, 10);
  for (const auto& path : {straight.checkpoint, first.checkpoint, second.checkpoint}) std::filesystem::remove(path);
}

TEST(Cifar10Train, AnOutOfMemoryEndsTheRunAndKeepsTheCheckpointBeforeIt) {
  const auto train = synthetic(8, 5);
  std::ostringstream log;
  Config config = tiny_config();
  config.epochs = 2;
  config.stop_after = 1;
  config.checkpoint = temp("oom");
  run(config, train, train, log);
  const std::string saved = minidl::io::read_file(config.checkpoint);

  Config resumed = config;
  resumed.stop_after.reset();
  resumed.resume = config.checkpoint;
  // Room for a little more than what is held now: the resumed run cannot build its model and data.
  minidl::set_cpu_memory_limit(minidl::cpu_memory_stats().allocated_bytes + (256 << 10));
  std::string message;
  try {
    run(resumed, train, train, log);
  } catch (const minidl::OutOfMemoryError& e) {
    message = e.what();
  }
  minidl::set_cpu_memory_limit(0);
  EXPECT_NE(message.find("cpu: out of memory: tried to allocate"), std::string::npos) << message;
  EXPECT_NE(message.find("MINIDL_CPU_MEMORY_LIMIT"), std::string::npos) << message;
  EXPECT_NE(message.find("peak"), std::string::npos) << message;  // the allocator's statistics
  EXPECT_EQ(minidl::io::read_file(config.checkpoint), saved) << "the checkpoint is untouched";
  EXPECT_NO_THROW(run(resumed, train, train, log)) << "and it resumes once memory is back";
  std::filesystem::remove(config.checkpoint);
}

}  // namespace
}  // namespace cifar10
