// Each schedule's lr sequence over 100 steps against PyTorch 1.13's, from
// tests/optim/golden/lr_golden.txt (made by make_lr_golden.py there).
#include "optim/lr_scheduler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace minidl::optim::lr {
namespace {

struct FakeOptions {
  double lr = 0.1;
  double momentum = 0.9;
};

class FakeOptimizer : public OptimizerBase<FakeOptions> {
 public:
  FakeOptimizer() : OptimizerBase(std::vector<Tensor>{}, FakeOptions{}) {}
  void step() override {}
  std::optional<double> momentum(std::size_t g) const override { return groups_.at(g).options.momentum; }
  void set_momentum(std::size_t g, double m) override { groups_.at(g).options.momentum = m; }
};

std::map<std::string, std::vector<double>> load_golden() {
  const char* root = std::getenv("MINIDL_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/tests/optim/golden/lr_golden.txt");
  std::map<std::string, std::vector<double>> golden;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name;
    fields >> name;
    double v;
    while (fields >> v) golden[name].push_back(v);
  }
  return golden;
}

void expect_matches(const std::string& name, Scheduler& scheduler, FakeOptimizer& optimizer,
                    const OneCycleLR* one_cycle = nullptr) {
  static const auto golden = load_golden();
  ASSERT_TRUE(golden.count(name)) << "no golden values for " << name << " (is MINIDL_SOURCE_DIR set?)";
  const auto& lrs = golden.at(name);
  ASSERT_EQ(lrs.size(), 101u);
  for (std::size_t e = 0; e < lrs.size(); ++e) {
    if (e > 0) scheduler.step();
    EXPECT_NEAR(optimizer.lr(0), lrs[e], 1e-7 * std::max(1.0, std::abs(lrs[e]))) << name << " at step " << e;
    EXPECT_DOUBLE_EQ(scheduler.get_last_lr()[0], optimizer.lr(0));
    if (one_cycle) {
      EXPECT_NEAR(*optimizer.momentum(0), golden.at(name + ".momentum")[e], 1e-7) << name << " momentum at " << e;
    }
  }
}

TEST(LrScheduler, StepLR) {
  FakeOptimizer o;
  StepLR s(o, 7, 0.5);
  expect_matches("step", s, o);
}
TEST(LrScheduler, MultiStepLR) {
  FakeOptimizer o;
  MultiStepLR s(o, {30, 10, 31, 80}, 0.3);
  expect_matches("multistep", s, o);
}
TEST(LrScheduler, ExponentialLR) {
  FakeOptimizer o;
  ExponentialLR s(o, 0.97);
  expect_matches("exponential", s, o);
}
TEST(LrScheduler, CosineAnnealingLR) {
  FakeOptimizer o;
  CosineAnnealingLR s(o, 100, 0.001);
  expect_matches("cosine", s, o);
}
TEST(LrScheduler, CosineAnnealingPastTMaxRisesAgain) {
  FakeOptimizer o;
  CosineAnnealingLR s(o, 30);
  expect_matches("cosine_short", s, o);
}
TEST(LrScheduler, CosineAnnealingWarmRestarts) {
  FakeOptimizer o;
  CosineAnnealingWarmRestarts s(o, 10, 2, 0.01);
  expect_matches("warm_restarts", s, o);
}
TEST(LrScheduler, WarmRestartsMarkEachRestart) {
  FakeOptimizer o;
  CosineAnnealingWarmRestarts s(o, 25);
  std::vector<int64_t> restarts;
  for (int e = 1; e <= 100; ++e) {
    s.step();
    if (s.restarted()) restarts.push_back(s.last_epoch());
  }
  EXPECT_EQ(restarts, (std::vector<int64_t>{25, 50, 75, 100}));
  FakeOptimizer o2;
  CosineAnnealingWarmRestarts flat(o2, 25);
  expect_matches("warm_restarts_flat", flat, o2);
}
TEST(LrScheduler, LinearLR) {
  FakeOptimizer o;
  LinearLR s(o);
  expect_matches("linear", s, o);
  FakeOptimizer o2;
  LinearLR s2(o2, 0.1, 0.9, 40);
  expect_matches("linear_long", s2, o2);
}
TEST(LrScheduler, InverseSqrtWithWarmup) {
  FakeOptimizer o;
  InverseSqrtLR s(o, 8);
  expect_matches("inverse_sqrt", s, o);
}
TEST(LrScheduler, OneCycleCyclesLrAndMomentum) {
  FakeOptimizer o;
  OneCycleLR s(o, {.max_lr = 0.4, .total_steps = 100});
  expect_matches("onecycle", s, o, &s);
  FakeOptimizer o2;
  OneCycleLR s2(o2, {.max_lr = 1.0, .total_steps = 120, .pct_start = 0.25, .div_factor = 10,
                     .final_div_factor = 100});
  expect_matches("onecycle_pct", s2, o2, &s2);
}
TEST(LrScheduler, OneCycleRejectsSteppingPastTheEnd) {
  FakeOptimizer o;
  OneCycleLR s(o, {.max_lr = 0.4, .total_steps = 3});
  for (int i = 0; i < 3; ++i) s.step();
  EXPECT_THROW(s.step(), ValueError);
}
TEST(LrScheduler, SequentialLR) {
  FakeOptimizer o;
  auto warm = std::make_shared<LinearLR>(o, 0.2, 1.0, 10);
  auto cosine = std::make_shared<CosineAnnealingLR>(o, 90);
  SequentialLR s(o, {warm, cosine}, {10});
  expect_matches("sequential", s, o);
}
TEST(LrScheduler, StateDictResumesExactly) {
  FakeOptimizer a;
  CosineAnnealingLR sa(a, 50);
  for (int i = 0; i < 17; ++i) sa.step();
  FakeOptimizer b;
  CosineAnnealingLR sb(b, 50);
  sb.load_state_dict(sa.state_dict());
  EXPECT_EQ(b.lr(0), a.lr(0));
  sa.step();
  sb.step();
  EXPECT_EQ(b.lr(0), a.lr(0));
  EXPECT_THROW(sb.load_state_dict({}), ValueError);
}
// Found by checkpoint_fuzz (tests/fuzz/corpus/checkpoint/regressions/): a last_epoch that is no
// int64 (7.2e29, NaN, 2.5) must be an error, not an undefined cast.
TEST(LrScheduler, LoadRejectsALastEpochThatIsNoWholeNumber) {
  FakeOptimizer o;
  CosineAnnealingLR s(o, 50);
  for (double bad : {7.22049e29, std::nan(""), 2.5, -2.0}) {
    auto state = s.state_dict();
    state["last_epoch"] = bad;
    EXPECT_THROW(s.load_state_dict(state), ValueError) << bad;
  }
}
TEST(LrScheduler, EachGroupKeepsItsBase) {
  FakeOptimizer o;
  o.add_param_group({{}, FakeOptions{.lr = 0.01}});
  StepLR s(o, 1, 0.5);
  s.step();
  EXPECT_DOUBLE_EQ(o.lr(0), 0.05);
  EXPECT_DOUBLE_EQ(o.lr(1), 0.005);
}

}  // namespace
}  // namespace minidl::optim::lr
