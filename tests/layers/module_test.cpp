// nn::Module bookkeeping: names, train/eval propagation, state-dict round trips
// and the errors of a strict load, on small hand-built modules.
#include "layers/module.h"

#include <gtest/gtest.h>

#include "support/gpu_test.h"

namespace minidl::nn {
namespace {

class Leaf : public Module {
 public:
  explicit Leaf(int64_t n) : Module("Leaf") {
    weight = register_parameter("weight", arange(static_cast<double>(n)));
    bias = register_parameter("bias", zeros({1}));
    running = register_buffer("running", ones({n}));
  }
  Tensor forward(const Tensor& x) override { return x; }
  Tensor weight, bias, running;
};

class Tree : public Module {
 public:
  Tree() : Module("Tree") {
    first = register_module("first", std::make_shared<Leaf>(3));
    second = register_module("second", std::make_shared<Leaf>(2));
  }
  std::shared_ptr<Leaf> first, second;
};

std::vector<std::string> names(const std::vector<std::pair<std::string, Tensor>>& entries) {
  std::vector<std::string> out;
  for (const auto& entry : entries) out.push_back(entry.first);
  return out;
}

TEST(Module, DottedNamesInRegistrationOrder) {
  Tree tree;
  EXPECT_EQ(names(tree.named_parameters()),
            (std::vector<std::string>{"first.weight", "first.bias", "second.weight", "second.bias"}));
  EXPECT_EQ(names(tree.named_buffers()), (std::vector<std::string>{"first.running", "second.running"}));
  EXPECT_EQ(tree.parameters(false).size(), 0u);
  EXPECT_EQ(tree.named_modules().size(), 3u);
  EXPECT_EQ(tree.named_modules()[2].first, "second");
  EXPECT_TRUE(tree.first->weight.requires_grad());
  EXPECT_FALSE(tree.first->running.requires_grad());
}

TEST(Module, DuplicateOrDottedNamesAreRejected) {
  class Bad : public Module {
   public:
    void add(const std::string& name) { register_parameter(name, zeros({1})); }
  } bad;
  bad.add("w");
  EXPECT_THROW(bad.add("w"), ValueError);
  EXPECT_THROW(bad.add("a.b"), ValueError);
}

TEST(Module, TrainEvalPropagates) {
  Tree tree;
  tree.eval();
  EXPECT_FALSE(tree.is_training());
  EXPECT_FALSE(tree.second->is_training());
  tree.train();
  EXPECT_TRUE(tree.first->is_training());
}

TEST(Module, StateDictRoundTrip) {
  Tree source;
  source.first->weight.detach().fill_(5);
  source.second->running.fill_(-2);
  Tree target;
  EXPECT_TRUE(target.load_state_dict(source.state_dict()).ok());
  EXPECT_EQ(target.first->weight.to_vector<float>(), std::vector<float>(3, 5.f));
  EXPECT_EQ(target.second->running.to_vector<float>(), std::vector<float>(2, -2.f));
  EXPECT_FALSE(target.first->weight.storage().is_same(source.first->weight.storage()));
}

TEST(Module, StrictLoadNamesEveryBadKey) {
  Tree tree;
  StateDict state = tree.state_dict();
  state.erase("first.bias");
  state["extra.weight"] = zeros({1});
  state["second.weight"] = zeros({5});
  try {
    tree.load_state_dict(state);
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("first.bias"), std::string::npos) << msg;
    EXPECT_NE(msg.find("extra.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("second.weight: expected [2], got [5]"), std::string::npos) << msg;
  }
  // Nothing was copied by the failed strict load.
  EXPECT_EQ(tree.first->weight.to_vector<float>(), (std::vector<float>{0, 1, 2}));
}

TEST(Module, NonStrictLoadCopiesTheRestAndReports) {
  Tree tree;
  StateDict state;
  state["first.weight"] = full({3}, 9.0);
  state["unknown"] = zeros({1});
  const LoadReport report = tree.load_state_dict(state, /*strict=*/false);
  EXPECT_EQ(tree.first->weight.to_vector<float>(), std::vector<float>(3, 9.f));
  EXPECT_EQ(report.unexpected_keys, (std::vector<std::string>{"unknown"}));
  EXPECT_EQ(report.missing_keys.size(), 5u);
}

TEST(Module, FreezeAndApply) {
  Tree tree;
  tree.requires_grad_(false);
  for (const Tensor& p : tree.parameters()) EXPECT_FALSE(p.requires_grad());
  int visited = 0;
  tree.apply([&visited](Module&) { ++visited; });
  EXPECT_EQ(visited, 3);
}

TEST(Module, DTypeMoveKeepsHandles) {
  Tree tree;
  const Tensor held = tree.first->weight;  // e.g. an optimizer's handle
  tree.to(DType::Float64);
  EXPECT_EQ(held.dtype(), DType::Float64);
  EXPECT_EQ(held.to_vector<double>(), (std::vector<double>{0, 1, 2}));
  EXPECT_TRUE(held.requires_grad());
}

TEST(Module, PrintsATree) {
  Tree tree;  // modules without settings print "Leaf()", as PyTorch's repr
  EXPECT_EQ(tree.str(), "Tree(\n  (first): Leaf()\n  (second): Leaf()\n)");
}

class ModuleGpu : public test::GpuTest {};

TEST_F(ModuleGpu, DeviceMoveKeepsHandles) {
  Tree tree;
  const Tensor held = tree.second->weight;
  tree.to(Device::cuda());
  EXPECT_EQ(held.device(), Device::cuda());
  EXPECT_EQ(tree.second->running.device(), Device::cuda());
  EXPECT_EQ(held.to_vector<float>(), (std::vector<float>{0, 1}));
}

TEST(Module, ToReturnsTheModuleSoCallsChain) {
  class Scale : public Module {
   public:
    Scale() : Module("Scale") { w = register_parameter("w", full({2}, 1.5)); }
    Tensor w;
  } m;
  Module& same = m.to(Device::cpu());
  EXPECT_EQ(&same, &m);
  EXPECT_EQ(m.to(DType::Float64).to(Device::cpu()).parameters()[0].dtype(), DType::Float64);
  EXPECT_EQ(m.w.dtype(), DType::Float64);
}

}  // namespace
}  // namespace minidl::nn
