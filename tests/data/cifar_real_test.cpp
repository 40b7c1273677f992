// The real CIFAR-10 binary release, read from $CIFAR10_DIR (skipped, visibly, without it):
// 50,000 training and 10,000 test records, 5,000 and 1,000 per class, the published class
// names, and the first labels of each split (frog for training, cat for test).
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "data/cifar.h"

namespace minidl::data {
namespace {

class CifarReal : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dir = std::getenv("CIFAR10_DIR");
    if (dir == nullptr || *dir == '\0')
      GTEST_SKIP() << "CIFAR10_DIR is not set: the real CIFAR-10 is not checked";
    dir_ = dir;
  }
  std::string dir_;
};

TEST_F(CifarReal, HasTheOfficialCountsPerClass) {
  const ImageDataset train = load_cifar10(dir_, CifarSplit::Train);
  const ImageDataset test = load_cifar10(dir_, CifarSplit::Test);
  EXPECT_EQ(train.images().shape(), (Shape{50000, 3, 32, 32}));
  EXPECT_EQ(test.images().shape(), (Shape{10000, 3, 32, 32}));
  EXPECT_EQ(class_counts(train), std::vector<int64_t>(10, 5000));
  EXPECT_EQ(class_counts(test), std::vector<int64_t>(10, 1000));
  const std::vector<std::string> names{"airplane", "automobile", "bird",  "cat",  "deer",
                                       "dog",      "frog",       "horse", "ship", "truck"};
  EXPECT_EQ(train.class_names(), names);
  EXPECT_EQ(train.labels().to_vector<int64_t>()[0], 6);
  EXPECT_EQ(test.labels().to_vector<int64_t>()[0], 3);
}

TEST_F(CifarReal, ChannelStatsOfTheTrainingSetAreTheCifar10Preset) {
  const Normalization measured = channel_stats(load_cifar10(dir_, CifarSplit::Train));
  const Normalization preset = Normalization::cifar10();
  for (std::size_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(measured.mean[c], preset.mean[c], 1e-4) << c;  // the preset is rounded to 4 digits
    EXPECT_NEAR(measured.std[c], preset.std[c], 1e-4) << c;
  }
}

}  // namespace
}  // namespace minidl::data
