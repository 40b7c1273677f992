// Library handles one per thread and device (kernels/cuda/handle_pool.h), with a fake handle:
// a thread keeps its handle, threads never share one, and a finished thread's handles are reused.
#include "kernels/cuda/handle_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace minidl::kernels::cuda {
namespace {

struct FakeHandles {
  std::atomic<int> next{1};
  // Handle = device * 1000 + serial number.
  HandlePool<int> pool{[this](int device) { return device * 1000 + next++; }};
};

int handle_in_new_thread(HandlePool<int>& pool, int device) {
  int handle = 0;
  std::thread([&] { handle = pool.for_this_thread(device); }).join();
  return handle;
}

TEST(HandlePool, AThreadKeepsItsHandlePerDevice) {
  FakeHandles fake;
  std::thread([&] {
    const int h0 = fake.pool.for_this_thread(0), h1 = fake.pool.for_this_thread(1);
    EXPECT_EQ(h0 / 1000, 0);
    EXPECT_EQ(h1 / 1000, 1);
    EXPECT_EQ(fake.pool.for_this_thread(0), h0);
    EXPECT_EQ(fake.pool.for_this_thread(1), h1);
    EXPECT_EQ(fake.pool.created(), 2);
  }).join();
  EXPECT_EQ(fake.pool.idle(), 2);  // given back when the thread ended
}

TEST(HandlePool, ConcurrentThreadsNeverShareAHandle) {
  FakeHandles fake;
  constexpr int kThreads = 8;
  std::vector<int> handles(kThreads);
  std::atomic<int> arrived{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      handles[t] = fake.pool.for_this_thread(0);
      ++arrived;
      while (arrived < kThreads) std::this_thread::yield();  // all hold theirs at once
    });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(std::set<int>(handles.begin(), handles.end()).size(), static_cast<std::size_t>(kThreads));
  EXPECT_EQ(fake.pool.created(), kThreads);
  EXPECT_EQ(fake.pool.idle(), kThreads);
}

TEST(HandlePool, AFinishedThreadsHandleIsReused) {
  FakeHandles fake;
  const int first = handle_in_new_thread(fake.pool, 0);
  EXPECT_EQ(handle_in_new_thread(fake.pool, 0), first);
  EXPECT_EQ(fake.pool.created(), 1);
  EXPECT_NE(handle_in_new_thread(fake.pool, 2), first);  // another device: its own handle
  EXPECT_EQ(fake.pool.created(), 2);
}

}  // namespace
}  // namespace minidl::kernels::cuda
