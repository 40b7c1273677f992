// The cuDNN algorithm-choice rules (kernels/cuda/ranked_choice.h) as host code: alignment of
// addresses, and the walk down the ranked candidates when one fails to run.
#include "kernels/cuda/ranked_choice.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/expect_error.h"

namespace minidl::kernels::cuda {
namespace {

const void* at(std::uintptr_t address) { return reinterpret_cast<const void*>(address); }

TEST(RankedChoice, PointerAlignmentIsTheLargestPowerOfTwoUpToSixteen) {
  EXPECT_EQ(pointer_alignment(at(0x1000)), 16);
  EXPECT_EQ(pointer_alignment(at(0x1010)), 16);
  EXPECT_EQ(pointer_alignment(at(0x1008)), 8);
  EXPECT_EQ(pointer_alignment(at(0x1004)), 4);
  EXPECT_EQ(pointer_alignment(at(0x1002)), 2);
  EXPECT_EQ(pointer_alignment(at(0x1001)), 1);
  EXPECT_EQ(pointer_alignment(nullptr), 16);
}

std::string name(int c) { return "candidate " + std::to_string(c); }

TEST(RankedChoice, TheFirstWorkingCandidateFromTheStartRuns) {
  const std::vector<int> ranked{10, 11, 12, 13};
  std::vector<int> tried;
  const auto run = [&](int c) {
    tried.push_back(c);
    if (c == 10 || c == 11) throw CudaError("CUDNN_STATUS_NOT_SUPPORTED");
  };
  EXPECT_EQ(run_first_working(ranked, 0, "forward", run, name), 2u);
  EXPECT_EQ(tried, (std::vector<int>{10, 11, 12}));
  tried.clear();
  EXPECT_EQ(run_first_working(ranked, 2, "forward", run, name), 2u);  // the cached one first
  EXPECT_EQ(tried, (std::vector<int>{12}));
}

TEST(RankedChoice, AWorkspaceOutOfMemoryPassesToTheNext) {
  const std::vector<int> ranked{1, 2};
  const auto run = [](int c) {
    if (c == 1) throw OutOfMemoryError("cuda:0: out of memory");
  };
  EXPECT_EQ(run_first_working(ranked, 0, "backward-data", run, name), 1u);
}

TEST(RankedChoice, WhenNoneRunsEveryFailureIsNamed) {
  const std::vector<int> ranked{1, 2, 3};
  int calls = 0;
  const auto run = [&](int c) {
    ++calls;
    throw CudaError("failure of " + std::to_string(c));
  };
  test::expect_error<CudaError>([&] { run_first_working(ranked, 1, "cuDNN backward-filter", run, name); },
                                {"cuDNN backward-filter", "no algorithm ran (2 tried)", "candidate 2: failure of 2",
                                 "candidate 3: failure of 3"});
  EXPECT_EQ(calls, 2);
}

TEST(RankedChoice, OtherExceptionsAreNotSwallowed) {
  const std::vector<int> ranked{1, 2};
  EXPECT_THROW(run_first_working(ranked, 0, "forward", [](int) { throw std::logic_error("bug"); }, name),
               std::logic_error);
}

}  // namespace
}  // namespace minidl::kernels::cuda
