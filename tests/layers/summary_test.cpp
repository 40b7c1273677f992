// nn::summary and the forward hooks it rests on: output shapes from the hooks, own and total
// parameter counts (a shared module counted once, frozen ones as non-trainable), and a model
// left as it was found (train/eval settings, running statistics, the caller's own hooks).
#include "layers/summary.h"

#include <gtest/gtest.h>

#include "layers/nn.h"

namespace minidl::nn {
namespace {

TEST(ForwardHook, SeesInputAndOutputOfEachCallUntilRemoved) {
  Linear linear(3, 2);
  int calls = 0;
  Shape in_shape, out_shape;
  const std::size_t id = linear.register_forward_hook([&](Module& m, const Tensor& in, const Tensor& out) {
    EXPECT_EQ(&m, &linear);
    in_shape = in.shape();
    out_shape = out.shape();
    ++calls;
  });
  linear(zeros({5, 3}));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(in_shape, (Shape{5, 3}));
  EXPECT_EQ(out_shape, (Shape{5, 2}));
  linear.forward(zeros({5, 3}));  // forward() itself skips the hooks, as in PyTorch
  EXPECT_EQ(calls, 1);
  linear.remove_forward_hook(id);
  linear(zeros({1, 3}));
  EXPECT_EQ(calls, 1);
}

TEST(ForwardHook, ContainersCallTheirChildrenThroughTheHooks) {
  Sequential seq{std::make_shared<Linear>(4, 3), std::make_shared<ReLU>()};
  Shape seen;
  seq[1]->register_forward_hook([&](Module&, const Tensor&, const Tensor& out) { seen = out.shape(); });
  seq(zeros({2, 4}));
  EXPECT_EQ(seen, (Shape{2, 3}));
}

TEST(Summary, RowsCountsAndShapes) {
  const auto shared = std::make_shared<Linear>(3, 3);  // registered twice: its 12 parameters count once
  Sequential model{std::make_shared<Linear>(4, 3), shared, std::make_shared<ReLU>(), shared,
                   std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
                       std::make_shared<BatchNorm1d>(3), std::make_shared<Linear>(3, 2, false)})};
  model.at<Linear>(0)->weight.requires_grad_(false);  // 12 frozen of its 15
  const ModelSummary s = summary(model, {5, 4});
  ASSERT_EQ(s.rows.size(), 8u);
  const std::vector<std::string> names = {"", "0", "1", "2", "3", "4", "4.0", "4.1"};
  const std::vector<int64_t> params = {0, 15, 12, 0, 12, 0, 6, 6};
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(s.rows[i].name, names[i]);
    EXPECT_EQ(s.rows[i].params, params[i]) << names[i];
    EXPECT_TRUE(s.rows[i].called) << names[i];
  }
  EXPECT_EQ(s.rows[0].depth, 0);
  EXPECT_EQ(s.rows[7].depth, 2);
  EXPECT_EQ(s.rows[7].type, "Linear");
  EXPECT_EQ(s.rows[1].frozen_params, 12);
  EXPECT_EQ(s.rows[0].output_shape, (Shape{5, 2}));
  EXPECT_EQ(s.rows[3].output_shape, (Shape{5, 3}));
  EXPECT_EQ(s.total_params, 15 + 12 + 6 + 6);
  EXPECT_EQ(s.non_trainable_params, 12);
  EXPECT_EQ(s.trainable_params, s.total_params - 12);
  const std::string text = s.str();
  EXPECT_NE(text.find("Total params: 39"), std::string::npos) << text;
  EXPECT_NE(text.find("Non-trainable params: 12"), std::string::npos) << text;
  EXPECT_NE(text.find("    4.1 (Linear)"), std::string::npos) << text;
  EXPECT_NE(text.find("15 (12 frozen)"), std::string::npos) << text;
}

TEST(Summary, LeavesTheModelAsItWas) {
  Sequential model{std::make_shared<Linear>(2, 2), std::make_shared<BatchNorm1d>(2)};
  model.train();
  const auto bn = model.at<BatchNorm1d>(1);
  bn->set_eval_locked(true);
  int calls = 0;
  model[0]->register_forward_hook([&](Module&, const Tensor&, const Tensor&) { ++calls; });
  const ModelSummary s = summary(model, {3, 2});
  EXPECT_EQ(calls, 1);  // the caller's hook ran, and stays
  EXPECT_TRUE(model.is_training());
  EXPECT_TRUE(model[0]->is_training());
  EXPECT_TRUE(bn->train_requested());
  EXPECT_FALSE(bn->is_training());
  EXPECT_EQ(bn->num_batches_tracked.item(), 0);  // ran in evaluation mode
  EXPECT_FALSE(model.parameters()[0].grad().defined());
  model(zeros({3, 2}));
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(s.rows[2].output_shape, (Shape{3, 2}));
}

TEST(Summary, PrintsThousandsAndFrozenLayersAsTorchinfo) {
  Sequential model{std::make_shared<Linear>(100, 20)};
  model.requires_grad_(false);
  const std::string text = summary(model, {1, 100}).str();
  EXPECT_NE(text.find("(2,020)"), std::string::npos) << text;
  EXPECT_NE(text.find("Trainable params: 0"), std::string::npos) << text;
  EXPECT_NE(text.find("Non-trainable params: 2,020"), std::string::npos) << text;
  EXPECT_NE(text.find("Input shape: [1, 100]"), std::string::npos) << text;
}

}  // namespace
}  // namespace minidl::nn
