// The library's own in-place writers under autograd's in-place checks (core/autograd.h): an
// optimizer step between a forward and its backward raises at backward, as PyTorch's does,
// while the usual loop (forward, backward, step), batch norm's running statistics, EMA's
// copies, load_state_dict and re-initialization pass. InferenceMode runs a model.
#include <gtest/gtest.h>

#include "core/autograd.h"
#include "core/ops/loss.h"
#include "core/ops/reduction.h"
#include "core/random.h"
#include "layers/nn.h"
#include "optim/algorithms.h"
#include "optim/averaging.h"

namespace minidl::nn {
namespace {

std::shared_ptr<Sequential> small_model() {
  return std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      std::make_shared<Linear>(4, 3), std::make_shared<BatchNorm1d>(3), std::make_shared<ReLU>(),
      std::make_shared<Linear>(3, 2)});
}

TEST(InPlaceSafety, AStepBetweenForwardAndBackwardRaisesAtBackward) {
  const auto model = small_model();
  optim::SGD sgd(model->parameters(), {.lr = 0.1});
  const Tensor x = randn({5, 4});
  sum((*model)(x)).backward();
  sgd.step();                            // fine: after the backward
  const Tensor loss = sum((*model)(x));  // saves the weights at their new version
  sgd.step();                            // writes them again before this backward
  try {
    loss.backward();
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("modified by an inplace operation"), std::string::npos) << e.what();
  }
}

TEST(InPlaceSafety, TheTrainingLoopAndTheModelToolsPass) {
  const auto model = small_model();
  optim::SGD sgd(model->parameters(), {.lr = 0.1, .momentum = 0.9});
  optim::ExponentialMovingAverage ema(*model);
  const Tensor x = randn({8, 4});
  for (int step = 0; step < 3; ++step) {  // batch norm moves its running statistics in each forward
    model->zero_grad();
    sum((*model)(x)).backward();
    sgd.step();
    ema.update();
  }
  ema.copy_to();
  ema.restore();
  model->load_state_dict(model->state_dict());
  reset_parameters(*model, "0");
  model->to(DType::Float64);
  model->to(DType::Float32);
  EXPECT_EQ(model->at<BatchNorm1d>(1)->num_batches_tracked.item(), 3);
}

TEST(InPlaceSafety, InferenceModeRunsAModelWithoutAGraph) {
  const auto model = small_model();
  model->eval();
  Tensor y;
  {
    autograd::InferenceMode inference;
    y = (*model)(randn({2, 4}));
  }
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(y.is_inference());
  EXPECT_FALSE(model->parameters()[0].is_inference());  // the model's own tensors stay normal
  sum((*model)(randn({2, 4}))).backward();              // and train normally afterwards
  EXPECT_TRUE(model->parameters()[0].grad().defined());
}

}  // namespace
}  // namespace minidl::nn
