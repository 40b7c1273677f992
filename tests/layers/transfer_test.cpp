// Transfer learning: glob matching, freezing (frozen weights AND batch-norm statistics stay
// bit-identical through many SGD steps while the head learns), head replacement (output size
// changes, backbone weights kept; typed members refused unless passed), re-initialization,
// and per-pattern parameter groups whose lrs reach the update (p -= lr * grad).
#include "layers/transfer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/autograd.h"
#include "core/ops/loss.h"
#include "core/random.h"
#include "layers/nn.h"
#include "models/registry.h"
#include "models/small_cnn.h"
#include "optim/algorithms.h"

namespace minidl::nn {
namespace {

// backbone: conv-bn-relu-pool-flatten on [N, 1, 8, 8]; head: Sequential(Dropout, Linear(128, 4)),
// used through typed members as models do.
class Net : public Module {
 public:
  Net() : Module("Net") {
    backbone = register_module(
        "backbone", std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
                        std::make_shared<Conv2d>(1, 8, Conv2dOptions{.kernel_size = 3, .padding = 1}),
                        std::make_shared<BatchNorm2d>(8), std::make_shared<ReLU>(),
                        std::make_shared<MaxPool2d>(2), std::make_shared<Flatten>()}));
    head = register_module("head", std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
                                       std::make_shared<Dropout>(0.0), std::make_shared<Linear>(128, 4)}));
  }
  Tensor forward(const Tensor& x) override { return head->forward(backbone->forward(x)); }
  std::shared_ptr<Sequential> backbone, head;
};

std::vector<double> values(const Tensor& t) { return t.to(DType::Float64).contiguous().to_vector<double>(); }

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ValueError& e) {
    return e.what();
  }
  return "(no ValueError)";
}

TEST(Transfer, GlobStarSpansDots) {
  EXPECT_TRUE(glob_match("backbone.*", "backbone.0.weight"));
  EXPECT_FALSE(glob_match("backbone.*", "backbone"));
  EXPECT_FALSE(glob_match("backbone.*", "head.backbone.weight"));
  EXPECT_TRUE(glob_match("features.0.*", "features.0.weight"));
  EXPECT_FALSE(glob_match("features.0.*", "features.10.weight"));
  EXPECT_TRUE(glob_match("*.bias", "layer1.0.bn.bias"));
  EXPECT_FALSE(glob_match("*.bias", "bias"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a*b*c", "axxbyybc"));
  EXPECT_FALSE(glob_match("a*b*c", "axxbyybcb"));
  EXPECT_TRUE(glob_match("layer?.*", "layer3.1.weight"));
  EXPECT_FALSE(glob_match("layer?.*", "layer12.weight"));
  EXPECT_FALSE(glob_match("fc.weight", "fc.weight2"));
}

TEST(Transfer, FreezeReturnsTheMatchedNamesAndNamesAPatternThatMatchesNothing) {
  auto model = models::create("small_cnn");
  const auto frozen = freeze(*model, "features.*");
  EXPECT_EQ(frozen, (std::vector<std::string>{"features.0.weight", "features.1.weight", "features.1.bias",
                                              "features.4.weight", "features.5.weight", "features.5.bias",
                                              "features.8.weight", "features.9.weight", "features.9.bias"}));
  for (const auto& [name, p] : model->named_parameters())
    EXPECT_EQ(p.requires_grad(), name.rfind("classifier.", 0) == 0) << name;
  EXPECT_EQ(freeze(*model, "*.bias").size(), 4u);  // 3 batch norms and the classifier
  const std::string message = error_of([&] { freeze(*model, "backbone.*"); });
  EXPECT_NE(message.find("'backbone.*'"), std::string::npos) << message;
  EXPECT_NE(error_of([&] { unfreeze(*model, "nothing"); }).find("'nothing'"), std::string::npos);
  EXPECT_EQ(unfreeze(*model, "*").size(), model->parameters().size());
  for (const auto& p : model->parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(Transfer, FrozenBatchNormIsLockedInEvalModeUntilUnfrozen) {
  Net net;
  auto bn = net.backbone->at<BatchNorm2d>(1);
  freeze(net, "backbone.0.*");  // the conv only: the batch norm still trains
  EXPECT_TRUE(bn->is_training());
  freeze(net, "backbone.*");
  net.train();
  EXPECT_TRUE(net.is_training());
  EXPECT_FALSE(bn->is_training());
  EXPECT_TRUE(net.head->is_training());
  unfreeze(net, "backbone.1.bias");  // one trainable parameter is enough to train it again
  EXPECT_TRUE(bn->is_training());
  net.eval();
  EXPECT_FALSE(bn->is_training());

  // Without the option, a frozen batch norm keeps updating its statistics in train mode.
  Net other;
  freeze(other, "backbone.*", {.freeze_batch_norm_stats = false});
  other.train();
  const auto mean_before = values(other.backbone->at<BatchNorm2d>(1)->running_mean);
  autograd::NoGradGuard no_grad;
  other(randn({4, 1, 8, 8}));
  EXPECT_NE(values(other.backbone->at<BatchNorm2d>(1)->running_mean), mean_before);
}

TEST(Transfer, FrozenWeightsAndStatisticsStayPutForManyStepsWhileTheHeadLearns) {
  manual_seed(11);
  Net net;
  Generator gen(5);
  const Tensor x = randn({32, 1, 8, 8}, {}, &gen);
  const Tensor y = randint(0, 4, {32}, {.dtype = DType::Int64}, &gen);
  {  // give the batch norm non-trivial statistics first, as a pretrained backbone has
    autograd::NoGradGuard no_grad;
    net(x);
  }
  freeze(net, "backbone.*");
  StateDict backbone_before;
  for (const auto& [name, t] : net.state_dict())
    if (name.rfind("backbone.", 0) == 0) backbone_before[name] = t.clone();
  const auto head_before = values(net.head->at<Linear>(1)->weight);

  net.train();
  // Momentum and weight decay would move a frozen weight if the optimizer touched it.
  optim::SGD sgd(net.parameters(), {.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-3});
  double first_loss = 0, last_loss = 0;
  for (int step = 0; step < 40; ++step) {
    sgd.zero_grad();
    const Tensor loss = cross_entropy(net(x), y);
    loss.backward();
    sgd.step();
    (step == 0 ? first_loss : last_loss) = loss.item();
  }
  EXPECT_LT(last_loss, 0.8 * first_loss);
  EXPECT_NE(values(net.head->at<Linear>(1)->weight), head_before);
  for (const auto& [name, t] : net.state_dict())
    if (name.rfind("backbone.", 0) == 0) {
      EXPECT_EQ(values(t), values(backbone_before.at(name))) << name;
    }
}

TEST(Transfer, ReplaceHeadChangesTheOutputSizeAndKeepsTheBackbone) {
  Net net;
  StateDict before;
  for (const auto& [name, t] : net.state_dict()) before[name] = t.clone();
  net.eval();  // a forward in train mode would move the batch-norm statistics
  const auto old = replace_head(net, "head.1", std::make_shared<Linear>(128, 7));
  EXPECT_EQ(old->type_name(), "Linear");
  EXPECT_EQ(net(randn({3, 1, 8, 8})).shape(), (Shape{3, 7}));
  EXPECT_EQ(net.state_dict().at("head.1.weight").shape(), (Shape{7, 128}));
  for (const auto& [name, t] : net.state_dict())
    if (name.rfind("backbone.", 0) == 0) {
      EXPECT_EQ(values(t), values(before.at(name))) << name;
    }
  EXPECT_NE(error_of([&] { replace_head(net, "head.5", std::make_shared<Identity>()); }).find("'head.5'"),
            std::string::npos);
}

TEST(Transfer, ReplaceHeadOfARegisteredModel) {
  auto model = std::dynamic_pointer_cast<models::SmallCNN>(models::create("small_cnn"));
  ASSERT_NE(model, nullptr);
  model->eval();
  const Tensor x = randn({2, 3, 32, 32});
  replace_head(*model, "classifier.1", std::make_shared<Linear>(2048, 4));
  EXPECT_EQ((*model)(x).shape(), (Shape{2, 4}));
  EXPECT_FALSE(model->classifier->at<Linear>(1)->is_training());  // follows the model's mode

  // "classifier" is also a typed member the forward calls: refused, and nothing changes...
  auto head =
      std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{std::make_shared<Linear>(2048, 3)});
  const std::string message = error_of([&] { replace_head(*model, "classifier", head); });
  EXPECT_NE(message.find("typed member"), std::string::npos) << message;
  EXPECT_EQ((*model)(x).shape(), (Shape{2, 4}));
  // ...unless the member is passed too.
  replace_head(*model, "classifier", head, model->classifier);
  EXPECT_EQ(model->classifier, head);
  EXPECT_EQ((*model)(x).shape(), (Shape{2, 3}));
}

TEST(Transfer, ResetParametersReinitializesOnlyThePath) {
  Net net;
  auto linear = net.head->at<Linear>(1);
  {
    autograd::NoGradGuard no_grad;
    linear->weight.fill_(5.0);
    linear->bias.fill_(5.0);
  }
  const auto backbone_before = values(net.backbone->at<Conv2d>(0)->weight);
  EXPECT_EQ(reset_parameters(net, "head"), (std::vector<std::string>{"head.1.weight", "head.1.bias"}));
  const double bound = 1.0 / std::sqrt(128.0);  // PyTorch's default for Linear(128, ...)
  for (double v : values(linear->weight)) EXPECT_LE(std::abs(v), bound);
  for (double v : values(linear->bias)) EXPECT_LE(std::abs(v), bound);
  EXPECT_EQ(values(net.backbone->at<Conv2d>(0)->weight), backbone_before);

  auto bn = net.backbone->at<BatchNorm2d>(1);
  {
    autograd::NoGradGuard no_grad;
    net(randn({4, 1, 8, 8}));
    bn->weight.fill_(2.0);
  }
  reset_parameters(net, "backbone.1");
  EXPECT_EQ(values(bn->weight), std::vector<double>(8, 1.0));
  EXPECT_EQ(values(bn->running_mean), std::vector<double>(8, 0.0));
  EXPECT_EQ(bn->num_batches_tracked.item(), 0.0);
}

TEST(Transfer, ParamGroupsByPatternGetTheirLr) {
  Net net;
  const optim::SGDOptions defaults{.lr = 1.0};
  auto groups = param_groups_by_pattern(net, {{"backbone.*", 0.01}, {"*", 0.5}}, defaults);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].params.size(), 4u);  // conv weight and bias, batch-norm weight and bias
  optim::SGD sgd(groups, defaults);
  EXPECT_EQ(sgd.lr(0), 0.01);
  EXPECT_EQ(sgd.lr(1), 0.5);

  sgd.zero_grad();
  cross_entropy(net(randn({4, 1, 8, 8})), from_vector<int64_t>({0, 1, 2, 3})).backward();
  std::vector<std::vector<double>> before, grads;
  for (const auto& group : groups)
    for (const Tensor& p : group.params) {
      before.push_back(values(p));
      grads.push_back(values(p.grad()));
    }
  sgd.step();
  std::size_t k = 0;
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (const Tensor& p : groups[g].params) {
      const auto after = values(p);
      for (std::size_t i = 0; i < after.size(); ++i)
        ASSERT_NEAR(after[i], before[k][i] - groups[g].options.lr * grads[k][i], 1e-6) << g << " " << k;
      ++k;
    }

  // Frozen parameters are skipped; a pattern left without parameters, or a parameter left
  // without a pattern, is an error.
  freeze(net, "backbone.*");
  EXPECT_EQ(param_groups_by_pattern(net, {{"*", 0.1}}, defaults)[0].params.size(), 2u);
  EXPECT_NE(error_of([&] {
              parameters_by_pattern(net, {{"backbone.*", 0.1}, {"*", 0.1}});
            }).find("'backbone.*'"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              parameters_by_pattern(net, {{"head.1.weight", 0.1}});
            }).find("head.1.bias"),
            std::string::npos);
}

}  // namespace
}  // namespace minidl::nn
