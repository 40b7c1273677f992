// The optimizers reject hyperparameters outside torch.optim's ranges when constructed,
// for every parameter group, with the optimizer and the option named in the message.
#include "optim/algorithms.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "support/expect_error.h"

namespace minidl::optim {
namespace {

std::vector<Tensor> params() { return {zeros({3}).requires_grad_()}; }

void expect_value_error(const std::function<void()>& construct, const std::string& optimizer,
                        const std::string& option) {
  test::expect_error<ValueError>(construct, {optimizer, option});
}

TEST(OptimizerConstruction, RejectsOptionsOutsideTorchRanges) {
  expect_value_error([] { SGD(params(), {.lr = -0.1}); }, "SGD", "lr");
  expect_value_error([] { SGD(params(), {.lr = 0.1, .momentum = -1}); }, "SGD", "momentum");
  expect_value_error([] { SGD(params(), {.lr = 0.1, .nesterov = true}); }, "SGD", "Nesterov");
  expect_value_error([] { Adagrad(params(), {.lr_decay = -1}); }, "Adagrad", "lr_decay");
  expect_value_error([] { RMSprop(params(), {.alpha = 1.5}); }, "RMSprop", "alpha");
  expect_value_error([] { Adam(params(), {.beta2 = 1.0}); }, "Adam", "beta2");
  expect_value_error([] { AdamW(params(), {.weight_decay = -0.01}); }, "AdamW", "weight_decay");
  expect_value_error([] { Adam(params(), {.eps = -1e-8}); }, "Adam", "eps");
}

TEST(OptimizerConstruction, ChecksEveryParameterGroup) {
  const SGDOptions good{.lr = 0.1, .momentum = 0.9};
  expect_value_error(
      [&] {
        SGD({{params(), good}, {params(), {.lr = 0.1, .momentum = 0.9, .dampening = 0.5, .nesterov = true}}},
            good);
      },
      "SGD", "Nesterov");
  expect_value_error([] { Adam({{params(), {.lr = -1}}}, AdamOptions{}); }, "Adam", "lr");
  SGD fine({{params(), good}, {params(), {.lr = 0.01}}}, good);
  EXPECT_EQ(fine.num_groups(), 2u);
}

}  // namespace
}  // namespace minidl::optim
