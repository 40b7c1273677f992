// End-to-end training on the CPU: a small MLP and a small CNN (conv-bn-relu-pool + linear)
// learn 4 classes of noisy random 8x8 patterns to 100% training accuracy with every optimizer;
// a frozen parameter stays put while the rest learn; parameter groups step with their own lr;
// train()/eval() switches batch norm and dropout inside a model.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/loss.h"
#include "core/random.h"
#include "layers/nn.h"
#include "optim/algorithms.h"

namespace minidl::optim {
namespace {

constexpr int64_t kClasses = 4, kPerClass = 32;

struct Data {
  Tensor x;  // [128, 1, 8, 8]
  Tensor y;  // [128] int64
};

// Each class is a random 8x8 prototype; a sample is a faint copy of its prototype under
// stronger noise, 0.4 * prototype + N(0, 1), so that learning takes tens of steps.
const Data& data() {
  static const Data d = [] {
    Generator gen(2024);
    const Tensor prototypes = randn({kClasses, 1, 1, 8, 8}, {}, &gen);
    const Tensor noise = randn({kClasses, kPerClass, 1, 8, 8}, {}, &gen);
    Data out;
    out.x = add(mul(prototypes, 0.4), noise).reshape({kClasses * kPerClass, 1, 8, 8});
    std::vector<int64_t> labels;
    for (int64_t c = 0; c < kClasses; ++c) labels.insert(labels.end(), kPerClass, c);
    out.y = from_vector<int64_t>(labels);
    return out;
  }();
  return d;
}

std::shared_ptr<nn::Sequential> mlp() {
  return std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(64, 32), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(32, kClasses)});
}

std::shared_ptr<nn::Sequential> cnn() {
  return std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(1, 8, nn::Conv2dOptions{.kernel_size = 3, .padding = 1}),
      std::make_shared<nn::BatchNorm2d>(8), std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2),
      std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(8 * 4 * 4, kClasses)});
}

double eval_accuracy(nn::Module& model) {
  autograd::NoGradGuard no_grad;
  model.eval();
  const double acc = accuracy(model(data().x), data().y);
  model.train();
  return acc;
}

// Full-batch steps until the evaluation-mode accuracy is 100%; returns the steps taken, or -1.
int steps_to_perfect(nn::Module& model, Optimizer& optimizer, int max_steps) {
  for (int step = 1; step <= max_steps; ++step) {
    optimizer.zero_grad();
    cross_entropy(model(data().x), data().y).backward();
    optimizer.step();
    if (step % 5 == 0 && eval_accuracy(model) == 1.0) return step;
  }
  return -1;
}

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;
struct Algorithm {
  const char* name;
  MakeOptimizer make;
};

std::vector<Algorithm> algorithms() {
  return {
      {"SGD", [](auto p) { return std::make_unique<SGD>(p, SGDOptions{.lr = 0.1}); }},
      {"SGD+momentum",
       [](auto p) { return std::make_unique<SGD>(p, SGDOptions{.lr = 0.05, .momentum = 0.9}); }},
      {"Nesterov",
       [](auto p) {
         return std::make_unique<SGD>(p, SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true});
       }},
      {"Adagrad", [](auto p) { return std::make_unique<Adagrad>(p, AdagradOptions{.lr = 0.05}); }},
      {"RMSprop", [](auto p) { return std::make_unique<RMSprop>(p, RMSpropOptions{.lr = 0.003}); }},
      {"Adam", [](auto p) { return std::make_unique<Adam>(p, AdamOptions{.lr = 0.01}); }},
      {"AdamW", [](auto p) { return std::make_unique<AdamW>(p, AdamWOptions{.lr = 0.01}); }},
  };
}

TEST(Training, MlpLearnsWithEveryOptimizer) {
  for (const Algorithm& algorithm : algorithms()) {
    manual_seed(1);
    auto model = mlp();
    auto optimizer = algorithm.make(model->parameters());
    EXPECT_LT(eval_accuracy(*model), 0.8) << algorithm.name << ": the task must not be solved at init";
    const int steps = steps_to_perfect(*model, *optimizer, 200);
    EXPECT_GT(steps, 0) << algorithm.name << " did not reach 100% (accuracy " << eval_accuracy(*model) << ")";
    RecordProperty(std::string("mlp_steps_") + algorithm.name, steps);
  }
}

TEST(Training, CnnWithBatchNormLearnsWithEveryOptimizer) {
  for (const Algorithm& algorithm : algorithms()) {
    manual_seed(2);
    auto model = cnn();
    auto optimizer = algorithm.make(model->parameters());
    const int steps = steps_to_perfect(*model, *optimizer, 200);
    EXPECT_GT(steps, 0) << algorithm.name << " did not reach 100% (accuracy " << eval_accuracy(*model) << ")";
    RecordProperty(std::string("cnn_steps_") + algorithm.name, steps);
  }
}

TEST(Training, FrozenParameterIsUnchangedWhileTheRestLearn) {
  manual_seed(3);
  auto model = mlp();
  const Tensor frozen = model->at<nn::Linear>(1)->weight;
  frozen.requires_grad_(false);
  const auto frozen_before = frozen.to_vector<float>();
  const auto head_before = model->at<nn::Linear>(3)->weight.to_vector<float>();
  // AdamW's decoupled decay would move the weight even with a zero gradient: it must skip it.
  AdamW optimizer(model->parameters(), {.lr = 0.01, .weight_decay = 0.1});
  EXPECT_GT(steps_to_perfect(*model, optimizer, 300), 0);
  EXPECT_EQ(frozen.to_vector<float>(), frozen_before);
  EXPECT_NE(model->at<nn::Linear>(3)->weight.to_vector<float>(), head_before);
}

TEST(Training, ParameterGroupsStepWithTheirOwnLr) {
  manual_seed(4);
  auto model = mlp();
  const auto body = model->at<nn::Linear>(1), head = model->at<nn::Linear>(3);
  SGD optimizer(std::vector<ParamGroup<SGDOptions>>{{{body->weight, body->bias}, {.lr = 0.01}},
                                                    {{head->weight, head->bias}, {.lr = 0.5}}},
                {.lr = 0.1});
  std::vector<std::vector<float>> before;
  for (const Tensor& p : model->parameters()) before.push_back(p.to_vector<float>());
  cross_entropy((*model)(data().x), data().y).backward();
  optimizer.step();
  // Plain SGD: p_new = p - lr * grad, with the lr of the parameter's group.
  const double lrs[] = {0.01, 0.01, 0.5, 0.5};
  const auto params = model->parameters();
  for (std::size_t k = 0; k < params.size(); ++k) {
    const auto now = params[k].to_vector<float>(), grad = params[k].grad().to_vector<float>();
    for (std::size_t i = 0; i < now.size(); ++i)
      ASSERT_NEAR(now[i], before[k][i] - lrs[k] * grad[i], 1e-6) << "parameter " << k << " element " << i;
  }
  EXPECT_DOUBLE_EQ(optimizer.lr(0), 0.01);
  EXPECT_DOUBLE_EQ(optimizer.lr(1), 0.5);
}

TEST(Training, TrainEvalSwitchesBatchNormAndDropout) {
  manual_seed(5);
  nn::Sequential model{std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(64, 16),
                       std::make_shared<nn::BatchNorm1d>(16), std::make_shared<nn::Dropout>(0.5),
                       std::make_shared<nn::Linear>(16, kClasses)};
  const auto bn = model.at<nn::BatchNorm1d>(2);
  const Tensor x = data().x;
  // Training: dropout draws a new mask each pass, batch norm moves its running statistics.
  EXPECT_NE(model(x).to_vector<float>(), model(x).to_vector<float>());
  EXPECT_EQ(bn->num_batches_tracked.item(), 2.0);
  // Evaluation: deterministic, per-sample (a sample's output does not depend on the batch), and
  // the running statistics stay where they are.
  model.eval();
  const auto running = bn->running_mean.to_vector<float>();
  const auto full = model(x).to_vector<float>();
  EXPECT_EQ(model(x).to_vector<float>(), full);
  const auto first_alone = model(x.narrow(0, 0, 2)).to_vector<float>();
  for (std::size_t i = 0; i < first_alone.size(); ++i) EXPECT_NEAR(first_alone[i], full[i], 1e-6);
  EXPECT_EQ(bn->running_mean.to_vector<float>(), running);
  EXPECT_EQ(bn->num_batches_tracked.item(), 2.0);
  // Back to training: a batch's output depends on the batch statistics again.
  model.train();
  model.at<nn::Dropout>(3)->eval();  // isolate batch norm
  const auto first_in_training = model(x.narrow(0, 0, 2)).to_vector<float>();
  EXPECT_GT(std::abs(first_in_training[0] - first_alone[0]), 1e-4);
}

}  // namespace
}  // namespace minidl::optim
