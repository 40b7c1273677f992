// DataLoader (data/loader.*): sequential order, seeded shuffles that are permutations, differ
// per epoch and resume with set_epoch, drop_last, batch contents equal to a direct gather,
// transforms and exceptions from the background thread, clean shutdown; on a GPU the pinned
// async-copy path and device-resident datasets give the CPU loader's batches.
#include "data/loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <set>
#include <stdexcept>
#include <thread>

#include "support/expect_error.h"
#include "support/gpu_test.h"

namespace minidl::data {
namespace {

// n samples of [1, 2, 2]; every byte of sample i is i % 256, its label that % 7.
ImageDataset numbered(int64_t n) {
  std::vector<uint8_t> px;
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < n; ++i) {
    for (int k = 0; k < 4; ++k) px.push_back(static_cast<uint8_t>(i % 256));
    labels.push_back(i % 256 % 7);
  }
  return ImageDataset(from_vector(px, {n, 1, 2, 2}), from_vector(labels, {n}), 7);
}

// The sample ids of a batch, checking that its labels belong to them.
std::vector<int64_t> ids(const Batch& batch) {
  const std::vector<uint8_t> px = batch.input.to(Device::cpu()).to_vector<uint8_t>();
  const std::vector<int64_t> labels = batch.target.to(Device::cpu()).to_vector<int64_t>();
  std::vector<int64_t> out;
  for (std::size_t j = 0; j < labels.size(); ++j) {
    out.push_back(px[4 * j]);
    EXPECT_EQ(labels[j], px[4 * j] % 7);
  }
  return out;
}

// Sample ids of one epoch, batch by batch.
std::vector<std::vector<int64_t>> epoch_ids(DataLoader& loader) {
  std::vector<std::vector<int64_t>> batches;
  while (const std::optional<Batch> batch = loader.next()) batches.push_back(ids(*batch));
  return batches;
}

std::vector<int64_t> flat(const std::vector<std::vector<int64_t>>& batches) {
  std::vector<int64_t> out;
  for (const auto& b : batches) out.insert(out.end(), b.begin(), b.end());
  return out;
}

TEST(DataLoader, WithoutShuffleBatchesFollowTheDataset) {
  DataLoader loader(numbered(10), {.batch_size = 4, .shuffle = false});
  EXPECT_EQ(loader.num_batches(), 3);
  const auto batches = epoch_ids(loader);
  EXPECT_EQ(batches, (std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}}));
  EXPECT_EQ(loader.epoch(), 1);
  EXPECT_EQ(epoch_ids(loader), batches);  // the next epoch, same order
}

TEST(DataLoader, DropLastDropsTheShortBatch) {
  DataLoader loader(numbered(10), {.batch_size = 4, .shuffle = true, .seed = 3, .drop_last = true});
  EXPECT_EQ(loader.num_batches(), 2);
  const auto batches = epoch_ids(loader);
  ASSERT_EQ(batches.size(), 2u);
  for (const auto& b : batches) EXPECT_EQ(b.size(), 4u);
  DataLoader too_small(numbered(3), {.batch_size = 4, .drop_last = true});
  EXPECT_FALSE(too_small.next().has_value());
}

TEST(DataLoader, EveryEpochIsASeededPermutation) {
  const int64_t n = 1000;
  DataLoader loader(numbered(n), {.batch_size = 64, .seed = 42});
  std::set<std::vector<int64_t>> orders;
  for (int e = 0; e < 4; ++e) {
    const auto batches = epoch_ids(loader);
    EXPECT_EQ(batches.size(), 16u);
    std::vector<int64_t> order = flat(batches);
    // The ids are i % 256: compare with the permutation itself, then as multisets.
    const std::vector<int64_t> expected = epoch_permutation(n, 42, e);
    for (std::size_t i = 0; i < order.size(); ++i) ASSERT_EQ(order[i], expected[i] % 256);
    std::vector<int64_t> sorted = expected;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int64_t> all(n);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(sorted, all) << "epoch " << e << " is not a permutation";
    orders.insert(expected);
  }
  EXPECT_EQ(orders.size(), 4u) << "two epochs had the same order";
  EXPECT_NE(epoch_permutation(n, 42, 0), epoch_permutation(n, 43, 0));
  EXPECT_EQ(epoch_permutation(n, 42, 3), epoch_permutation(n, 42, 3));
}

TEST(DataLoader, ShufflesLookUniform) {
  // Position of element 0 over 2000 epochs of 5: each of 5 positions ~400 (sd 18).
  std::vector<int> where(5, 0);
  for (int e = 0; e < 2000; ++e) {
    const std::vector<int64_t> p = epoch_permutation(5, 7, e);
    ++where[static_cast<std::size_t>(std::find(p.begin(), p.end(), 0) - p.begin())];
  }
  for (int count : where) EXPECT_NEAR(count, 400, 110);
}

TEST(DataLoader, SameSeedSameBatchesAndResumeMidEpoch) {
  const LoaderOptions options{.batch_size = 8, .seed = 9, .prefetch = 3};
  DataLoader a(numbered(50), options), b(numbered(50), options);
  const auto first = epoch_ids(a), second = epoch_ids(a);
  EXPECT_EQ(first, epoch_ids(b));
  EXPECT_NE(first, second);
  // Resume at batch 4 of epoch 1, as after a checkpoint.
  DataLoader resumed(numbered(50), options);
  resumed.set_epoch(1, 4);
  EXPECT_EQ(resumed.batch_index(), 4);
  const auto rest = epoch_ids(resumed);
  EXPECT_EQ(rest, std::vector<std::vector<int64_t>>(second.begin() + 4, second.end()));
  // Jumping back restarts the stream.
  resumed.set_epoch(0);
  EXPECT_EQ(epoch_ids(resumed), first);
  EXPECT_THROW(resumed.set_epoch(0, 99), ValueError);
}

TEST(DataLoader, BatchesEqualADirectGather) {
  const ImageDataset data = numbered(30);
  DataLoader loader(data, {.batch_size = 7, .seed = 1});
  for (int64_t k = 0; k < loader.num_batches(); ++k) {
    const Batch got = *loader.next();
    const Batch expected = data.gather(loader.batch_indices(0, k));
    EXPECT_EQ(got.input.to_vector<uint8_t>(), expected.input.to_vector<uint8_t>());
    EXPECT_EQ(got.target.to_vector<int64_t>(), expected.target.to_vector<int64_t>());
    EXPECT_EQ(got.input.shape(), expected.input.shape());
  }
}

TEST(DataLoader, TransformRunsInTheBackgroundWithItsPosition) {
  LoaderOptions options{.batch_size = 5, .shuffle = false};
  options.transform = [](Batch batch, const BatchInfo& info) {
    batch.target = full({batch.target.size(0)}, static_cast<double>(100 * info.epoch + info.index),
                        {.dtype = DType::Int64});
    return batch;
  };
  DataLoader loader(numbered(10), options);
  EXPECT_EQ(loader.next()->target.to_vector<int64_t>()[0], 0);
  EXPECT_EQ(loader.next()->target.to_vector<int64_t>()[0], 1);
  EXPECT_FALSE(loader.next().has_value());
  EXPECT_EQ(loader.next()->target.to_vector<int64_t>()[0], 100);
}

TEST(DataLoader, WorkerExceptionsReachTheCaller) {
  LoaderOptions options{.batch_size = 2, .shuffle = false};
  options.transform = [](Batch batch, const BatchInfo& info) {
    if (info.index == 3) throw std::runtime_error("broken sample in batch 3");
    return batch;
  };
  DataLoader loader(numbered(20), options);
  for (int k = 0; k < 3; ++k) EXPECT_TRUE(loader.next().has_value());
  try {
    loader.next();
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "broken sample in batch 3");
  }
  EXPECT_EQ(loader.batch_index(), 3);
  EXPECT_THROW(loader.next(), std::runtime_error);  // retried from the same batch
}

TEST(DataLoader, DestructionStopsABlockedOrBusyWorker) {
  {  // queue full, worker waiting for room
    DataLoader loader(numbered(100), {.batch_size = 1, .prefetch = 1});
    loader.next();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  {  // worker inside a slow transform
    LoaderOptions options{.batch_size = 1};
    options.transform = [](Batch batch, const BatchInfo&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return batch;
    };
    DataLoader loader(numbered(100), options);
    loader.set_epoch(0);
  }
  { DataLoader never_started(numbered(4), {}); }
}

TEST(DataLoader, RejectsBadOptions) {
  EXPECT_THROW(DataLoader(numbered(4), {.batch_size = 0}), ValueError);
  EXPECT_THROW(DataLoader(numbered(4), {.prefetch = 0}), ValueError);
  EXPECT_THROW(DataLoader(ImageDataset(), {}), ValueError);
  if (!cuda_available()) {
    EXPECT_ANY_THROW(DataLoader(numbered(4), {.device = Device::cuda()}));
  }
}

class LoaderGpu : public test::GpuTest {};

TEST_F(LoaderGpu, PinnedAsyncCopiesDeliverTheCpuBatches) {
  const ImageDataset data = numbered(300);
  const LoaderOptions cpu_options{.batch_size = 32, .seed = 5, .prefetch = 2};
  LoaderOptions cuda_options = cpu_options;
  cuda_options.device = Device::cuda();
  DataLoader on_cpu(data, cpu_options), on_gpu(data, cuda_options),
      resident(data.to(Device::cuda()), cuda_options);
  for (int e = 0; e < 2; ++e) {
    while (const std::optional<Batch> expected = on_cpu.next()) {
      const std::optional<Batch> copied = on_gpu.next(), gathered = resident.next();
      ASSERT_TRUE(copied && gathered);
      EXPECT_TRUE(copied->input.device().is_cuda());
      EXPECT_TRUE(gathered->target.device().is_cuda());
      EXPECT_EQ(ids(*copied), ids(*expected));
      EXPECT_EQ(ids(*gathered), ids(*expected));
    }
    EXPECT_FALSE(on_gpu.next().has_value());
    EXPECT_FALSE(resident.next().has_value());
  }
}

TEST_F(LoaderGpu, TransformReturningCudaTensorsIsRejected) {
  LoaderOptions options{.batch_size = 4, .shuffle = false, .device = Device::cuda()};
  options.transform = [](Batch batch, const BatchInfo&) {
    batch.input = batch.input.to(Device::cuda());
    return batch;
  };
  DataLoader loader(numbered(12), options);
  test::expect_error<DeviceError>([&] { loader.next(); },
                                  {"transform returned images on cuda:0", "batch 0 of epoch 0", "cpu"});
}

}  // namespace
}  // namespace minidl::data
