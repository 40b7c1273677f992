// ImageDataset checks, gathers and the subset helpers (data/dataset.*): every selection compared
// with the samples it must hold, found by a direct scan of the labels.
#include "data/image_dataset.h"

#include <gtest/gtest.h>

#include <vector>

#include "support/gpu_test.h"

namespace minidl::data {
namespace {

// n samples of [2, 2, 2]: every byte of sample i is i % 256; labels `labels[i]`.
ImageDataset small(const std::vector<int64_t>& labels, int64_t num_classes, std::vector<std::string> names = {}) {
  const auto n = static_cast<int64_t>(labels.size());
  std::vector<uint8_t> px;
  for (int64_t i = 0; i < n; ++i)
    for (int k = 0; k < 8; ++k) px.push_back(static_cast<uint8_t>(i % 256));
  return ImageDataset(from_vector(px, {n, 2, 2, 2}), from_vector(labels, {n}), num_classes, std::move(names));
}

// Sample ids (the pixel value) of a dataset made by small().
std::vector<int64_t> ids(const Tensor& images) {
  const std::vector<uint8_t> px = images.to(Device::cpu()).to_vector<uint8_t>();
  std::vector<int64_t> out;
  for (std::size_t i = 0; i < px.size(); i += 8) out.push_back(px[i]);
  return out;
}

TEST(ImageDataset, ChecksDtypesShapesAndLabels) {
  const Tensor images = zeros({4, 3, 2, 2}, {.dtype = DType::UInt8});
  const Tensor labels = zeros({4}, {.dtype = DType::Int64});
  EXPECT_NO_THROW(ImageDataset(images, labels, 10));
  EXPECT_THROW(ImageDataset(zeros({4, 3, 2, 2}), labels, 10), DTypeError);
  EXPECT_THROW(ImageDataset(images, zeros({4}, {.dtype = DType::Int32}), 10), DTypeError);
  EXPECT_THROW(ImageDataset(images, zeros({3}, {.dtype = DType::Int64}), 10), ShapeError);
  EXPECT_THROW(ImageDataset(zeros({4, 6, 2}, {.dtype = DType::UInt8}), labels, 10), ShapeError);
  EXPECT_THROW(ImageDataset(images, labels, 10, {"only", "two"}), ValueError);
  EXPECT_THROW(small({0, 1, 10}, 10), ValueError);
  EXPECT_THROW(small({0, -1}, 10), ValueError);
  EXPECT_EQ(ImageDataset(images, labels, 10).image_shape(), (Shape{3, 2, 2}));
}

TEST(ImageDataset, GathersInTheOrderAsked) {
  const ImageDataset data = small({0, 1, 2, 0, 1, 2}, 3);
  const Batch batch = data.gather({4, 0, 4, 5});
  EXPECT_EQ(ids(batch.input), (std::vector<int64_t>{4, 0, 4, 5}));
  EXPECT_EQ(batch.target.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1, 2}));
  EXPECT_EQ(data.gather({}).input.shape(), (Shape{0, 2, 2, 2}));
  EXPECT_THROW(data.gather({6}), ValueError);
  EXPECT_THROW(data.gather({-1}), ValueError);
}

TEST(ImageDataset, FirstPerClassKeepsDatasetOrder) {
  const std::vector<int64_t> labels{2, 0, 2, 1, 0, 2, 0, 0, 1};
  const ImageDataset data = small(labels, 4);
  const ImageDataset two = first_per_class(data, 2);
  std::vector<int64_t> expected;  // direct scan
  std::vector<int> seen(4, 0);
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (seen[static_cast<std::size_t>(labels[i])]++ < 2) expected.push_back(static_cast<int64_t>(i));
  EXPECT_EQ(ids(two.images()), expected);
  EXPECT_EQ(class_counts(two), (std::vector<int64_t>{2, 2, 2, 0}));
  EXPECT_EQ(class_counts(data), (std::vector<int64_t>{4, 2, 3, 0}));
  EXPECT_EQ(first_per_class(data, 0).size(), 0);
}

TEST(ImageDataset, SelectClassesRelabelsInTheOrderGiven) {
  const ImageDataset data = small({0, 1, 2, 3, 2, 1, 0, 3}, 4, {"a", "b", "c", "d"});
  const ImageDataset picked = select_classes(data, {3, 1});
  EXPECT_EQ(ids(picked.images()), (std::vector<int64_t>{1, 3, 5, 7}));
  EXPECT_EQ(picked.labels().to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1, 0}));
  EXPECT_EQ(picked.num_classes(), 2);
  EXPECT_EQ(picked.class_names(), (std::vector<std::string>{"d", "b"}));
  EXPECT_THROW(select_classes(data, {1, 1}), ValueError);
  EXPECT_THROW(select_classes(data, {4}), ValueError);
  const ImageDataset chosen = subset(data, {7, 2});
  EXPECT_EQ(ids(chosen.images()), (std::vector<int64_t>{7, 2}));
  EXPECT_EQ(chosen.class_names().size(), 4u);
}

class DatasetGpu : public test::GpuTest {};

TEST_F(DatasetGpu, GathersOnTheDevice) {
  const ImageDataset data = small({0, 1, 2, 0, 1, 2, 0}, 3).to(Device::cuda());
  EXPECT_TRUE(data.device().is_cuda());
  const Batch batch = data.gather({6, 1, 3});
  EXPECT_TRUE(batch.input.device().is_cuda());
  EXPECT_EQ(ids(batch.input), (std::vector<int64_t>{6, 1, 3}));
  EXPECT_EQ(batch.target.to(Device::cpu()).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(ids(select_classes(data, {2}).images()), (std::vector<int64_t>{2, 5}));
}

}  // namespace
}  // namespace minidl::data
