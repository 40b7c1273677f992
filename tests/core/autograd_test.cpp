// The autograd engine (core/autograd.cpp): accumulation into leaves, graphs that reuse
// a value, retain_graph, NoGradGuard, detach, freezing, error messages, gradients that
// must not alias, and a two-layer network trained by hand-written SGD on a synthetic
// regression problem (closed-form gradients checked first, then the loss driven to ~0).
#include "core/autograd.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/ops/elementwise.h"
#include "core/ops/reduction.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using test::random_leaf;

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  const Tensor x = from_vector<double>({1, 2, 3});
  x.requires_grad_(true);
  sum(x * 3.0).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{3, 3, 3}));
  sum(x * x).backward();  // + 2x
  EXPECT_EQ(values(x.grad()), (std::vector<double>{5, 7, 9}));
  x.set_grad({});
  sum(x).backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1, 1, 1}));
}

TEST(Autograd, DiamondGraphSumsBothPaths) {
  const Tensor x = from_vector<double>({0.5, -1.0, 2.0});
  x.requires_grad_(true);
  const Tensor h = x * 2.0;   // used twice below
  sum(h * h + h).backward();  // d/dx = (2h + 1) * 2
  const std::vector<double> xv = values(x.detach());
  const std::vector<double> g = values(x.grad());
  for (std::size_t i = 0; i < xv.size(); ++i) EXPECT_DOUBLE_EQ(g[i], (4 * xv[i] + 1) * 2);
  // The same leaf as both inputs of one op.
  x.set_grad({});
  sum(mul(x, x)).backward();
  for (std::size_t i = 0; i < xv.size(); ++i) EXPECT_DOUBLE_EQ(values(x.grad())[i], 2 * xv[i]);
}

TEST(Autograd, SecondBackwardNeedsRetainGraph) {
  const Tensor x = from_vector<double>({1, 2});
  x.requires_grad_(true);
  const Tensor y = sum(exp(x));
  y.backward();
  try {
    y.backward();
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("second time"), std::string::npos) << msg;
    EXPECT_NE(msg.find("retain_graph"), std::string::npos) << msg;
  }
  x.set_grad({});
  const Tensor z = sum(exp(x));
  z.backward({}, /*retain_graph=*/true);
  z.backward();
  EXPECT_DOUBLE_EQ(values(x.grad())[0], 2 * std::exp(1.0));
  EXPECT_DOUBLE_EQ(values(x.grad())[1], 2 * std::exp(2.0));
}

TEST(Autograd, NoGradGuardRecordsNothingAndRestores) {
  const Tensor x = random_leaf({3}, 1);
  EXPECT_TRUE(autograd::is_grad_enabled());
  {
    autograd::NoGradGuard outer;
    {
      autograd::NoGradGuard inner;
      EXPECT_FALSE(autograd::is_grad_enabled());
    }
    EXPECT_FALSE(autograd::is_grad_enabled());
    const Tensor y = sum(relu(x) * 2.0 + x.t());
    EXPECT_FALSE(y.requires_grad());
    EXPECT_TRUE(y.is_leaf());
    EXPECT_EQ(y.grad_fn_name(), "");
  }
  EXPECT_TRUE(autograd::is_grad_enabled());
  EXPECT_TRUE(sum(x).requires_grad());
}

TEST(Autograd, DetachCutsTheGraph) {
  const Tensor x = from_vector<double>({1, 2, 3});
  x.requires_grad_(true);
  const Tensor d = x.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.storage().is_same(x.storage()));
  sum(x * d).backward();  // d is a constant: the gradient is d, not 2x
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1, 2, 3}));
  EXPECT_FALSE((d * 2.0).requires_grad());
}

TEST(Autograd, RequiresGradFalseFreezesALeaf) {
  const Tensor w = random_leaf({3}, 2);
  const Tensor b = random_leaf({3}, 3);
  w.requires_grad_(false);
  EXPECT_FALSE((w * 2.0).requires_grad());
  sum(w * b).backward();
  EXPECT_FALSE(w.grad().defined());
  EXPECT_EQ(values(b.grad()), values(w));
  EXPECT_THROW((b * 2.0).requires_grad_(false), ValueError);  // a non-leaf: use detach()
  EXPECT_THROW(from_vector<int64_t>({1}).requires_grad_(true), DTypeError);
}

TEST(Autograd, NothingRecordedWhenNoInputRequiresGrad) {
  const Tensor a = ones({2, 2});
  const Tensor y = sum(exp(a) * a + a.t());
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(y.is_leaf());
  EXPECT_THROW(y.backward(), ValueError);
}

TEST(Autograd, BackwardArgumentsAreChecked) {
  const Tensor x = random_leaf({2, 2}, 4);
  const Tensor y = x * 2.0;
  EXPECT_THROW(y.backward(), ShapeError);  // not a scalar: a gradient must be given
  EXPECT_THROW(y.backward(ones({3})), ShapeError);
  y.backward(full({2, 2}, 0.5, {.dtype = DType::Float64}));
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1, 1, 1, 1}));
}

TEST(Autograd, BackwardOfALeafSeedsItsGradient) {
  const Tensor x = random_leaf({}, 5);
  x.backward();
  EXPECT_EQ(x.grad().item(), 1.0);
}

TEST(Autograd, LeafGradientsNeverAlias) {
  // add's backward hands the same gradient to both inputs; each leaf must own its copy,
  // or an in-place update of one .grad (clipping, zeroing) would change the other.
  const Tensor a = random_leaf({3}, 6);
  const Tensor b = random_leaf({3}, 7);
  const Tensor seed = from_vector<double>({1, 2, 3});
  add(a, b).backward(seed);
  EXPECT_FALSE(a.grad().storage().is_same(b.grad().storage()));
  EXPECT_FALSE(a.grad().storage().is_same(seed.storage()));
  autograd::NoGradGuard no_grad;
  mul_(a.grad(), 10.0);
  EXPECT_EQ(values(b.grad()), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(values(seed), (std::vector<double>{1, 2, 3}));
}

TEST(Autograd, GradientsFlowThroughViewsOfALeaf) {
  const Tensor x = random_leaf({2, 3}, 8);
  (sum(x.t() * from_vector<double>({1, 2})) + sum(x.slice(1, 0, 1).expand({2, 3}))).backward();
  // d/dx[i][j] = (i + 1) + (j == 0 ? 3 : 0)
  EXPECT_EQ(values(x.grad()), (std::vector<double>{4, 1, 1, 5, 2, 2}));
}

// ---- a two-layer network, linear layers written with mul + sum broadcasting ----

struct Net {
  Tensor w1, b1, w2, b2;  // (H, D), (H), (1, H), (1)
  std::vector<Tensor> parameters() const { return {w1, b1, w2, b2}; }
};

// (N, D) x (H, D) -> (N, H): y[n][h] = sum_d x[n][d] * w[h][d] + b[h]
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) { return sum(x.unsqueeze(1) * w, {2}) + b; }

Tensor forward(const Net& net, const Tensor& x) {
  return linear(tanh(linear(x, net.w1, net.b1)), net.w2, net.b2);
}

Tensor mse(const Tensor& prediction, const Tensor& target) { return mean(pow(prediction - target, 2.0)); }

Net make_net(int64_t in, int64_t hidden, unsigned seed) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  const double bound2 = 1.0 / std::sqrt(static_cast<double>(hidden));
  return {random_leaf({hidden, in}, seed, -bound, bound), random_leaf({hidden}, seed + 1, -bound, bound),
          random_leaf({1, hidden}, seed + 2, -bound2, bound2), random_leaf({1}, seed + 3, -bound2, bound2)};
}

TEST(Autograd, TwoLayerNetworkGradientsMatchFiniteDifferences) {
  const Net net = make_net(3, 5, 20);
  const Tensor x = random_leaf({6, 3}, 30).detach();
  const Tensor y = random_leaf({6, 1}, 31).detach();
  EXPECT_TRUE(test::gradcheck(
      [&](const std::vector<Tensor>& p) {
        return mse(forward(Net{p[0], p[1], p[2], p[3]}, x), y);
      },
      net.parameters()));
}

TEST(Autograd, TwoLayerNetworkTrainsWithHandWrittenSgd) {
  // Targets from a fixed "teacher" function of 3 inputs; 32 samples.
  const int64_t n = 32;
  const Tensor x = random_leaf({n, 3}, 40, -1, 1).detach();
  const std::vector<double> xv = values(x);
  std::vector<double> yv(n);
  for (int64_t i = 0; i < n; ++i) yv[i] = std::sin(xv[i * 3]) + 0.5 * xv[i * 3 + 1] * xv[i * 3 + 2];
  const Tensor y = from_vector<double>(yv, {n, 1});

  const Net net = make_net(3, 16, 50);
  const double lr = 0.1;
  const double initial = mse(forward(net, x), y).item();
  double loss = initial;
  for (int step = 0; step < 3000; ++step) {
    const Tensor l = mse(forward(net, x), y);
    loss = l.item();
    l.backward();
    autograd::NoGradGuard no_grad;
    for (const Tensor& p : net.parameters()) {
      add_(p, p.grad(), -lr);
      p.set_grad({});
    }
  }
  EXPECT_GT(initial, 0.1);
  EXPECT_LT(loss, 1e-3) << "initial loss " << initial;
}

}  // namespace
}  // namespace minidl
