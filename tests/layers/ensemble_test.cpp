// nn::Ensemble: log of the mean softmax against a float64 nested-loop reference, identity for
// identical members, stability for extreme logits, float64 finite-difference gradients, mode
// propagation and the errors for no member or disagreeing members.
#include "layers/ensemble.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/autograd.h"
#include "core/ops/loss.h"
#include "core/random.h"
#include "layers/nn.h"
#include "support/gradcheck.h"

namespace minidl::nn {
namespace {

std::vector<double> values(const Tensor& t) { return t.to(DType::Float64).contiguous().to_vector<double>(); }

std::shared_ptr<Sequential> mlp(double drop_prob = 0.0) {
  return std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
      std::make_shared<Linear>(6, 5), std::make_shared<ReLU>(), std::make_shared<Dropout>(drop_prob),
      std::make_shared<Linear>(5, 4)});
}

// log((1/K) Σ_k softmax(l_k)) row by row, in double.
std::vector<double> reference(const std::vector<std::vector<double>>& logits, int64_t rows, int64_t cols) {
  std::vector<double> out(rows * cols, 0.0);
  for (const auto& l : logits)
    for (int64_t r = 0; r < rows; ++r) {
      double total = 0;
      for (int64_t c = 0; c < cols; ++c) total += std::exp(l[r * cols + c]);
      for (int64_t c = 0; c < cols; ++c)
        out[r * cols + c] += std::exp(l[r * cols + c]) / total / logits.size();
    }
  for (double& v : out) v = std::log(v);
  return out;
}

TEST(Ensemble, IsTheLogOfTheMeanSoftmax) {
  manual_seed(3);
  std::vector<std::shared_ptr<Module>> members{mlp(), mlp(), mlp()};
  Ensemble ensemble(members);
  ensemble.eval();
  autograd::NoGradGuard no_grad;
  const Tensor x = randn({7, 6});
  std::vector<std::vector<double>> logits;
  for (const auto& m : members) logits.push_back(values(m->forward(x)));
  const auto got = values(ensemble(x));
  const auto want = reference(logits, 7, 4);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << i;
}

TEST(Ensemble, OfIdenticalModelsEqualsOneModel) {
  manual_seed(4);
  auto single = mlp();
  std::vector<std::shared_ptr<Module>> members{single};
  for (int k = 0; k < 3; ++k) {
    auto copy = mlp();
    copy->load_state_dict(single->state_dict());
    members.push_back(copy);
  }
  Ensemble ensemble(members);
  ensemble.eval();
  autograd::NoGradGuard no_grad;
  const Tensor x = randn({16, 6});
  const Tensor want = log_softmax((*single)(x), 1);
  const auto got = values(ensemble(x));
  const auto expected = values(want);
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-6) << i;
  const Tensor y = randint(0, 4, {16}, {.dtype = DType::Int64});
  EXPECT_EQ(accuracy(ensemble(x), y), accuracy((*single)(x), y));
  EXPECT_NEAR(cross_entropy(ensemble(x), y).item(), cross_entropy((*single)(x), y).item(), 1e-6);
}

TEST(Ensemble, ExtremeLogitsStayFinite) {
  const Tensor a = from_vector<float>({1000.f, 0.f, -1000.f}, {1, 3});
  const Tensor b = from_vector<float>({0.f, 1000.f, 0.f}, {1, 3});
  const auto got = values(mean_softmax_log({a, b}));
  EXPECT_NEAR(got[0], std::log(0.5), 1e-5);
  EXPECT_NEAR(got[1], std::log(0.5), 1e-5);
  EXPECT_NEAR(got[2], -1000.0 + std::log(0.5), 1e-3);
}

TEST(Ensemble, GradientMatchesFiniteDifferences) {
  const auto a = test::random_leaf({3, 4}, 1, -3.0, 3.0), b = test::random_leaf({3, 4}, 2, -3.0, 3.0),
             c = test::random_leaf({3, 4}, 3, -3.0, 3.0);
  EXPECT_TRUE(test::gradcheck([](const std::vector<Tensor>& in) { return mean_softmax_log(in); }, {a, b, c}));
}

TEST(Ensemble, ModePropagatesAndEveryMemberGetsAGradient) {
  std::vector<std::shared_ptr<Module>> members{mlp(0.5), mlp(0.5)};
  Ensemble ensemble(members);
  EXPECT_EQ(ensemble.size(), 2u);
  EXPECT_EQ(ensemble.named_parameters()[0].first, "0.0.weight");
  ensemble.eval();
  EXPECT_FALSE(std::dynamic_pointer_cast<Sequential>(ensemble.member(1))->at<Dropout>(2)->is_training());
  ensemble.train();
  EXPECT_TRUE(std::dynamic_pointer_cast<Sequential>(ensemble.member(1))->at<Dropout>(2)->is_training());
  cross_entropy(ensemble(randn({5, 6})), from_vector<int64_t>({0, 1, 2, 3, 0})).backward();
  for (const auto& [name, p] : ensemble.named_parameters()) EXPECT_TRUE(p.grad().defined()) << name;
}

TEST(Ensemble, RejectsNoMemberAndDisagreeingMembers) {
  EXPECT_THROW(Ensemble(std::vector<std::shared_ptr<Module>>{}), ValueError);
  EXPECT_THROW(Ensemble(std::vector<std::shared_ptr<Module>>{nullptr}), ValueError);
  Ensemble mixed({mlp(), std::make_shared<Linear>(6, 3)});
  EXPECT_THROW(mixed(randn({2, 6})), ShapeError);
}

}  // namespace
}  // namespace minidl::nn
