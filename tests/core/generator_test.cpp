// Generator (core/generator.*): the (seed, offset) bookkeeping of Philox4x32-10
// streams (Salmon et al. 2011), checkpoint state, the per-device default generators,
// manual_seed, and thread safety of next().
#include "core/generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "core/error.h"

namespace minidl {
namespace {

TEST(Generator, StartsAtTheSeedWithOffsetZero) {
  const Generator fresh;
  EXPECT_EQ(fresh.seed(), 67280421310721ull);
  EXPECT_EQ(fresh.offset(), 0u);
  EXPECT_EQ(fresh.device(), Device::cpu());
  const Generator cuda(5, Device::cuda(1));
  EXPECT_EQ(cuda.seed(), 5u);
  EXPECT_EQ(cuda.device(), Device::cuda(1));
}

TEST(Generator, NextReturnsTheCurrentStateAndAdvancesByBlocks) {
  Generator gen(42);
  PhiloxSeed s = gen.next(10);  // 3 blocks
  EXPECT_EQ(s.seed, 42u);
  EXPECT_EQ(s.offset, 0u);
  s = gen.next(4);
  EXPECT_EQ(s.offset, 3u);
  s = gen.next(0);
  EXPECT_EQ(s.offset, 4u);
  EXPECT_EQ(gen.offset(), 4u);
  gen.next(uint64_t{1} << 40);
  EXPECT_EQ(gen.offset(), 4u + (uint64_t{1} << 38));
}

TEST(Generator, ManualSeedRestartsTheStream) {
  Generator gen(1);
  gen.next(100);
  gen.manual_seed(7);
  EXPECT_EQ(gen.state(), (GeneratorState{7, 0}));
}

TEST(Generator, StateRoundTrips) {
  Generator gen(3);
  gen.next(17);
  const GeneratorState saved = gen.state();
  EXPECT_EQ(saved, (GeneratorState{3, 5}));
  const PhiloxSeed first = gen.next(8);
  gen.next(8);
  gen.set_state(saved);
  const PhiloxSeed again = gen.next(8);
  EXPECT_EQ(again.seed, first.seed);
  EXPECT_EQ(again.offset, first.offset);
  gen.set_offset(123);
  EXPECT_EQ(gen.offset(), 123u);
  EXPECT_EQ(gen.seed(), 3u);
}

TEST(Generator, ConcurrentNextHandsOutDisjointBlocks) {
  Generator gen(9);
  constexpr int kThreads = 8, kCalls = 2000;
  std::vector<std::vector<uint64_t>> offsets(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int c = 0; c < kCalls; ++c) offsets[t].push_back(gen.next(8).offset);
    });
  for (auto& thread : threads) thread.join();
  std::vector<uint64_t> all;
  for (const auto& o : offsets) all.insert(all.end(), o.begin(), o.end());
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], 2 * i);  // each call owns 2 blocks
  EXPECT_EQ(gen.offset(), 2u * kThreads * kCalls);
}

TEST(Generator, OneDefaultGeneratorPerDevice) {
  Generator& cpu = default_generator();
  EXPECT_EQ(&cpu, &default_generator(Device::cpu()));
  EXPECT_EQ(cpu.device(), Device::cpu());
  Generator& cuda0 = default_generator(Device::cuda(0));
  EXPECT_NE(&cuda0, &cpu);
  EXPECT_NE(&cuda0, &default_generator(Device::cuda(1)));
  EXPECT_EQ(cuda0.device(), Device::cuda(0));
  EXPECT_THROW(default_generator(Device::cuda(-1)), DeviceError);
}

TEST(Generator, DefaultsStartAtThePyTorchSeed) {
  EXPECT_EQ(default_generator(Device::cuda(3)).state(), (GeneratorState{Generator::kDefaultSeed, 0}));
}

TEST(Generator, ManualSeedReachesExistingAndFutureDefaults) {
  default_generator().next(40);
  default_generator(Device::cuda(0)).next(40);
  manual_seed(1234);
  EXPECT_EQ(default_generator().state(), (GeneratorState{1234, 0}));
  EXPECT_EQ(default_generator(Device::cuda(0)).state(), (GeneratorState{1234, 0}));
  EXPECT_EQ(default_generator(Device::cuda(5)).state(), (GeneratorState{1234, 0}));  // created after
}

}  // namespace
}  // namespace minidl
