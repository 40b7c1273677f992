// The Dataset interface as a user meets it: a dataset written by the user (float features,
// generated on the fly) trains a Linear model through the DataLoader; collate stacks
// examples and names the one that does not fit; TensorDataset serves tensors of any dtype;
// a user collate function; channel_stats against a closed form.
#include <gtest/gtest.h>

#include <cmath>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/loss.h"
#include "core/ops/reduction.h"
#include "data/loader.h"
#include "layers/linear.h"
#include "optim/algorithms.h"

namespace minidl::data {
namespace {

// Two Gaussian blobs in 4 dimensions, class 0 around -1 and class 1 around +1, made from the
// index alone (a user's dataset computes or reads its samples in get()).
class Blobs final : public Dataset {
 public:
  int64_t size() const override { return 256; }
  Example get(int64_t index) const override {
    const int64_t label = index % 2;
    std::vector<float> x(4);
    for (int k = 0; k < 4; ++k)
      x[static_cast<std::size_t>(k)] =
          (label ? 1.0f : -1.0f) + 0.3f * static_cast<float>(std::sin(static_cast<double>(index * 7 + k * 13)));
    return {from_vector<float>(x, {4}), full({}, static_cast<double>(label), {.dtype = DType::Int64})};
  }
};

TEST(CustomDataset, FloatFeaturesTrainALinearModelThroughTheLoader) {
  manual_seed(0);
  nn::Linear model(4, 2);
  optim::SGD sgd(model.parameters(), {.lr = 0.5});
  DataLoader loader(std::make_shared<Blobs>(), {.batch_size = 32, .seed = 3});
  double last_loss = 0;
  for (int epoch = 0; epoch < 5; ++epoch) {
    while (auto batch = loader.next()) {
      EXPECT_EQ(batch->input.shape(), (Shape{32, 4}));
      EXPECT_EQ(batch->input.dtype(), DType::Float32);
      EXPECT_EQ(batch->target.dtype(), DType::Int64);
      const Tensor loss = cross_entropy(model(batch->input), batch->target);
      sgd.zero_grad();
      loss.backward();
      sgd.step();
      last_loss = loss.item();
    }
  }
  EXPECT_LT(last_loss, 0.05);
  // Every sample classified right.
  autograd::NoGradGuard no_grad;
  const Batch all = Blobs().get_batch([] {
    std::vector<int64_t> all(256);
    for (int64_t i = 0; i < 256; ++i) all[static_cast<std::size_t>(i)] = i;
    return all;
  }());
  const std::vector<int64_t> predicted = argmax(model(all.input), 1).to_vector<int64_t>();
  EXPECT_EQ(predicted, all.target.to_vector<int64_t>());
}

TEST(CustomDataset, CollateStacksAndNamesTheExampleThatDoesNotFit) {
  const Batch b = collate({{from_vector<float>({1, 2}), full({}, 3.0, {.dtype = DType::Int64}), {zeros({3})}},
                           {from_vector<float>({4, 5}), full({}, 6.0, {.dtype = DType::Int64}), {ones({3})}}});
  EXPECT_EQ(b.input.shape(), (Shape{2, 2}));
  EXPECT_EQ(b.input.to_vector<float>(), (std::vector<float>{1, 2, 4, 5}));
  EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{3, 6}));
  ASSERT_EQ(b.more_inputs.size(), 1u);
  EXPECT_EQ(b.more_inputs[0].to_vector<float>(), (std::vector<float>{0, 0, 0, 1, 1, 1}));
  try {
    collate({{zeros({2}), zeros({})}, {zeros({2}), zeros({})}, {zeros({3}), zeros({})}});
    FAIL() << "no ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("example 2's input is [3] but example 0's is [2]"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(collate({{zeros({2}), zeros({})}, {zeros({2}, {.dtype = DType::Float64}), zeros({})}}), DTypeError);
}

TEST(CustomDataset, TensorDatasetServesAnyDtypeAndAUserCollateRuns) {
  const Tensor features = arange(12.0).to(DType::Float64).view({6, 2});
  const Tensor targets = arange(6.0).to(DType::Float32).view({6, 1});  // regression targets
  auto data = std::make_shared<TensorDataset>(features, targets);
  DataLoader plain(data, {.batch_size = 4, .shuffle = false});
  const auto first = plain.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->input.dtype(), DType::Float64);
  EXPECT_EQ(first->input.to_vector<double>(), (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(first->target.to_vector<float>(), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(plain.next()->input.shape(), (Shape{2, 2}));  // the last, smaller batch

  int calls = 0;
  DataLoader custom(data, {.batch_size = 3,
                           .shuffle = false,
                           .collate = [&calls](std::vector<Example> examples) {
                             ++calls;
                             Batch b = collate(examples);
                             b.target = mul(b.target, 10.0);
                             return b;
                           }});
  EXPECT_EQ(custom.next()->target.to_vector<float>(), (std::vector<float>{0, 10, 20}));
  EXPECT_GE(calls, 1);
  EXPECT_THROW(TensorDataset(zeros({3, 2}), zeros({4})), ShapeError);
}

TEST(CustomDataset, ChannelStatsAreThePixelMeanAndStd) {
  // Channel 0: half the pixels 0, half 255 (mean 0.5, std 0.5); channel 1: all 51 (0.2, 0).
  std::vector<uint8_t> px(2 * 2 * 2 * 2);
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 4; ++k) {
      px[static_cast<std::size_t>((i * 2 + 0) * 4 + k)] = static_cast<uint8_t>((i + k) % 2 ? 255 : 0);
      px[static_cast<std::size_t>((i * 2 + 1) * 4 + k)] = 51;
    }
  const ImageDataset images(from_vector<uint8_t>(px, {2, 2, 2, 2}), zeros({2}, {.dtype = DType::Int64}), 1);
  const Normalization n = channel_stats(images);
  EXPECT_DOUBLE_EQ(n.mean[0], 0.5);
  EXPECT_DOUBLE_EQ(n.std[0], 0.5);
  EXPECT_DOUBLE_EQ(n.mean[1], 0.2);
  EXPECT_DOUBLE_EQ(n.std[1], 0.0);
}

}  // namespace
}  // namespace minidl::data
