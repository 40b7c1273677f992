// The multi-tensor packing of kernels/multi_tensor.h on the host: launches cut when
// tensor slots or work items are full, tensors longer than a chunk (and than a launch),
// empty tensors skipped, vector loads only for tensors aligned in every list, and every
// element of every tensor covered by exactly one work item.
#include "kernels/multi_tensor.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "core/error.h"

namespace minidl::kernels {
namespace {

void* address(uintptr_t value) { return reinterpret_cast<void*>(value); }

// Lists of float tensors, each at its own 16-byte-aligned address unless `offsets` moves it.
TensorListRefs make_refs(const std::vector<int64_t>& numel, int lists = 2) {
  TensorListRefs refs;
  refs.numel = numel;
  refs.element_size = 4;
  refs.addresses.assign(static_cast<std::size_t>(lists), std::vector<void*>(numel.size()));
  for (int l = 0; l < lists; ++l)
    for (std::size_t t = 0; t < numel.size(); ++t)
      refs.addresses[static_cast<std::size_t>(l)][t] = address(0x100000u * (l + 1) + 0x1000u * (t + 1));
  return refs;
}

// Checks the limits of every launch and that each element is covered exactly once.
void expect_exact_cover(const TensorListRefs& refs, const MultiTensorLimits& limits,
                        const std::vector<LaunchPlan>& launches) {
  std::vector<std::vector<int>> hits(refs.numel.size());
  for (std::size_t t = 0; t < refs.numel.size(); ++t)
    hits[t].assign(static_cast<std::size_t>(refs.numel[t]), 0);
  int64_t last_tensor = -1;
  for (const LaunchPlan& launch : launches) {
    ASSERT_FALSE(launch.items.empty());
    ASSERT_LE(static_cast<int>(launch.tensors.size()), limits.max_tensors);
    ASSERT_LE(static_cast<int>(launch.items.size()), limits.max_items);
    std::vector<int> items_of_slot(launch.tensors.size(), 0);
    for (const WorkItem& item : launch.items) {
      ASSERT_GE(item.slot, 0);
      ASSERT_LT(static_cast<std::size_t>(item.slot), launch.tensors.size());
      ++items_of_slot[static_cast<std::size_t>(item.slot)];
      const int64_t t = launch.tensors[static_cast<std::size_t>(item.slot)].index;
      ASSERT_GE(t, last_tensor) << "tensors are packed in order";
      last_tensor = t;
      const int64_t begin = item.chunk * limits.chunk_size;
      const int64_t end = std::min(begin + limits.chunk_size, refs.numel[static_cast<std::size_t>(t)]);
      ASSERT_LT(begin, end) << "an item past the end of tensor " << t;
      for (int64_t i = begin; i < end; ++i) ++hits[static_cast<std::size_t>(t)][static_cast<std::size_t>(i)];
    }
    for (int n : items_of_slot) EXPECT_GT(n, 0) << "a packed tensor without work";
  }
  for (std::size_t t = 0; t < hits.size(); ++t)
    for (std::size_t i = 0; i < hits[t].size(); ++i)
      ASSERT_EQ(hits[t][i], 1) << "tensor " << t << " element " << i;
}

TEST(MultiTensor, OneSmallTensorIsOneItem) {
  const TensorListRefs refs = make_refs({5});
  const MultiTensorLimits limits{.max_tensors = 4, .max_items = 4, .chunk_size = 8};
  const auto launches = plan_multi_tensor(refs, limits);
  ASSERT_EQ(launches.size(), 1u);
  EXPECT_EQ(launches[0].tensors, (std::vector<PackedTensor>{{0, true}}));
  EXPECT_EQ(launches[0].items, (std::vector<WorkItem>{{0, 0}}));
}

TEST(MultiTensor, EmptyTensorsAreSkipped) {
  const TensorListRefs refs = make_refs({0, 3, 0, 0, 1, 0});
  const MultiTensorLimits limits{.max_tensors = 4, .max_items = 4, .chunk_size = 8};
  const auto launches = plan_multi_tensor(refs, limits);
  ASSERT_EQ(launches.size(), 1u);
  EXPECT_EQ(launches[0].tensors, (std::vector<PackedTensor>{{1, true}, {4, true}}));
  EXPECT_EQ(launches[0].items, (std::vector<WorkItem>{{0, 0}, {1, 0}}));
  EXPECT_TRUE(plan_multi_tensor(make_refs({0, 0}), limits).empty());
  EXPECT_TRUE(plan_multi_tensor(make_refs({}), limits).empty());
}

TEST(MultiTensor, TensorLongerThanAChunkSpansItems) {
  const TensorListRefs refs = make_refs({8, 20, 1});
  const MultiTensorLimits limits{.max_tensors = 4, .max_items = 8, .chunk_size = 8};
  const auto launches = plan_multi_tensor(refs, limits);
  ASSERT_EQ(launches.size(), 1u);
  EXPECT_EQ(launches[0].items, (std::vector<WorkItem>{{0, 0}, {1, 0}, {1, 1}, {1, 2}, {2, 0}}));
  expect_exact_cover(refs, limits, launches);
}

TEST(MultiTensor, LaunchIsCutWhenTensorSlotsAreFull) {
  const TensorListRefs refs = make_refs(std::vector<int64_t>(10, 1));
  const MultiTensorLimits limits{.max_tensors = 3, .max_items = 100, .chunk_size = 8};
  const auto launches = plan_multi_tensor(refs, limits);
  ASSERT_EQ(launches.size(), 4u);
  for (std::size_t l = 0; l < 4; ++l) {
    const std::size_t expected = l < 3 ? 3 : 1;
    ASSERT_EQ(launches[l].tensors.size(), expected);
    for (std::size_t s = 0; s < expected; ++s)
      EXPECT_EQ(launches[l].tensors[s].index, static_cast<int64_t>(3 * l + s));
  }
  expect_exact_cover(refs, limits, launches);
}

TEST(MultiTensor, TensorLongerThanALaunchContinuesInTheNext) {
  const TensorListRefs refs = make_refs({3, 80, 2});  // 80 elements = 10 chunks of 8
  const MultiTensorLimits limits{.max_tensors = 8, .max_items = 4, .chunk_size = 8};
  const auto launches = plan_multi_tensor(refs, limits);
  ASSERT_EQ(launches.size(), 3u);
  EXPECT_EQ(launches[0].tensors, (std::vector<PackedTensor>{{0, true}, {1, true}}));
  EXPECT_EQ(launches[0].items, (std::vector<WorkItem>{{0, 0}, {1, 0}, {1, 1}, {1, 2}}));
  EXPECT_EQ(launches[1].tensors, (std::vector<PackedTensor>{{1, true}}));
  EXPECT_EQ(launches[1].items, (std::vector<WorkItem>{{0, 3}, {0, 4}, {0, 5}, {0, 6}}));
  EXPECT_EQ(launches[2].tensors, (std::vector<PackedTensor>{{1, true}, {2, true}}));
  EXPECT_EQ(launches[2].items, (std::vector<WorkItem>{{0, 7}, {0, 8}, {0, 9}, {1, 0}}));
  expect_exact_cover(refs, limits, launches);
}

TEST(MultiTensor, LaunchExactlyFullIsNotFollowedByAnEmptyOne) {
  const TensorListRefs refs = make_refs({16, 16});
  const MultiTensorLimits limits{.max_tensors = 2, .max_items = 4, .chunk_size = 8};
  const auto launches = plan_multi_tensor(refs, limits);
  ASSERT_EQ(launches.size(), 1u);
  EXPECT_EQ(launches[0].items.size(), 4u);
}

TEST(MultiTensor, VectorLoadsOnlyWhenEveryListIsAligned) {
  TensorListRefs refs = make_refs({7, 7, 7, 7}, 3);
  refs.addresses[0][1] = address(0x20004);  // param misaligned by one float
  refs.addresses[2][2] = address(0x30008);  // last state list misaligned
  refs.addresses[1][3] = address(0x40010);  // aligned to 16: still fine
  const MultiTensorLimits limits{.max_tensors = 8, .max_items = 8, .chunk_size = 8};
  const auto launches = plan_multi_tensor(refs, limits);
  ASSERT_EQ(launches.size(), 1u);
  EXPECT_EQ(launches[0].tensors, (std::vector<PackedTensor>{{0, true}, {1, false}, {2, false}, {3, true}}));
  EXPECT_TRUE(vector_aligned({address(0), address(16), address(0x1230)}));
  EXPECT_FALSE(vector_aligned({address(16), address(18)}));
  EXPECT_TRUE(vector_aligned({}));
}

TEST(MultiTensor, RandomListsAreCoveredExactlyOnce) {
  std::mt19937 rng(7);
  const int64_t sizes[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 200, 1000};
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<int64_t> numel(1 + rng() % 40);
    for (int64_t& n : numel) n = sizes[rng() % std::size(sizes)];
    TensorListRefs refs = make_refs(numel, 1 + static_cast<int>(rng() % kMaxLists));
    for (auto& list : refs.addresses)
      for (void*& a : list)
        if (rng() % 3 == 0) a = address(reinterpret_cast<uintptr_t>(a) + 4 * (1 + rng() % 3));
    const MultiTensorLimits limits{.max_tensors = 1 + static_cast<int>(rng() % 6),
                                   .max_items = 1 + static_cast<int>(rng() % 9),
                                   .chunk_size = 4 * (1 + static_cast<int64_t>(rng() % 8))};
    SCOPED_TRACE(::testing::Message() << "trial " << trial);
    const auto launches = plan_multi_tensor(refs, limits);
    expect_exact_cover(refs, limits, launches);
    for (const LaunchPlan& launch : launches) {
      for (const PackedTensor& packed : launch.tensors) {
        std::vector<void*> pointers;
        for (const auto& list : refs.addresses)
          pointers.push_back(list[static_cast<std::size_t>(packed.index)]);
        EXPECT_EQ(packed.vectorized, vector_aligned(pointers));
      }
    }
  }
}

TEST(MultiTensor, InvalidInputsThrow) {
  const MultiTensorLimits limits{.max_tensors = 4, .max_items = 4, .chunk_size = 8};
  TensorListRefs ragged = make_refs({1, 2});
  ragged.addresses[1].pop_back();
  EXPECT_THROW(plan_multi_tensor(ragged, limits), ValueError);
  EXPECT_THROW(plan_multi_tensor(make_refs({-1}), limits), ValueError);
  EXPECT_THROW(plan_multi_tensor(make_refs({1}), {.max_tensors = 0, .max_items = 4, .chunk_size = 8}),
               ValueError);
  EXPECT_THROW(plan_multi_tensor(make_refs({1}), {.max_tensors = 4, .max_items = 0, .chunk_size = 8}),
               ValueError);
  // 6 floats = 24 bytes: chunks after the first would lose 16-byte alignment.
  EXPECT_THROW(plan_multi_tensor(make_refs({1}), {.max_tensors = 4, .max_items = 4, .chunk_size = 6}),
               ValueError);
  TensorListRefs no_lists = make_refs({1});
  no_lists.addresses.clear();
  EXPECT_THROW(plan_multi_tensor(no_lists, limits), ValueError);
}

TEST(MultiTensor, CapacityFitsTheKernelParameterSpace) {
  for (int depth = 1; depth <= kMaxLists; ++depth) {
    const int tensors = max_tensors_per_launch(depth);
    EXPECT_GE(tensors, 300) << "depth " << depth;  // a ResNet's parameters in one launch
    EXPECT_LE(tensors, 65536) << "slots are uint16";
    const std::size_t bytes = static_cast<std::size_t>(tensors) * (8 * depth + 8 + 1) +
                              static_cast<std::size_t>(kMaxWorkItems) * 6 + kFunctorParamBytes;
    EXPECT_LE(bytes, kMaxKernelParamBytes) << "depth " << depth;
  }
  EXPECT_GT(max_tensors_per_launch(1), max_tensors_per_launch(5));
}

TEST(MultiTensor, ChunkSizeGrowsWithTheCallButStaysInRange) {
  EXPECT_EQ(choose_chunk_size(0), kMinChunk);
  EXPECT_EQ(choose_chunk_size(1), kMinChunk);
  EXPECT_EQ(choose_chunk_size(1 << 20), kMinChunk);   // 1M: 512 blocks of 2048
  EXPECT_EQ(choose_chunk_size(16 << 20), 16384);      // 16M: 1024 blocks
  EXPECT_EQ(choose_chunk_size(64 << 20), kMaxChunk);  // 64M: 1024 blocks, one launch
  EXPECT_EQ(choose_chunk_size(int64_t{1} << 40), kMaxChunk);
  for (int64_t n = 1; n < (int64_t{1} << 28); n = n * 3 + 1) {
    const int64_t chunk = choose_chunk_size(n);
    EXPECT_EQ(chunk & (chunk - 1), 0) << "a power of two, so chunks of any dtype stay 16-byte aligned";
    EXPECT_GE(chunk, kMinChunk);
    EXPECT_LE(chunk, kMaxChunk);
    if (chunk < kMaxChunk) {
      EXPECT_LE((n + chunk - 1) / chunk, kTargetItems) << n;
    }
    if (n <= kMaxChunk * kTargetItems) {
      EXPECT_LE((n + chunk - 1) / chunk, kMaxWorkItems) << "one launch for " << n;
    }
  }
}

}  // namespace
}  // namespace minidl::kernels
