// The optimizer classes against PyTorch 1.13: a float64 MLP Linear(4, 8)-Tanh-Linear(8, 3)
// from fixed weights, 25 full-batch cross-entropy steps per configuration, final parameters
// compared with tests/optim/golden/optim_trajectory_golden.txt (made by
// make_optim_trajectory_golden.py there, which also holds the start, the data and the options).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "core/ops/loss.h"
#include "layers/nn.h"
#include "optim/algorithms.h"

namespace minidl::optim {
namespace {

struct Case {
  std::string name, algorithm;
  std::map<std::string, double> options;
};

struct Golden {
  std::map<std::string, Tensor> tensors;  // "init/0.weight", "data/x", "<case>/2.bias", ...
  std::vector<Case> cases;
};

const Golden& golden() {
  static const Golden g = [] {
    Golden out;
    const char* root = std::getenv("MINIDL_SOURCE_DIR");
    std::ifstream in(std::string(root ? root : ".") + "/tests/optim/golden/optim_trajectory_golden.txt");
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string kind, key;
      fields >> kind >> key;
      if (kind == "case") {
        Case c{key, "", {}};
        fields >> c.algorithm;
        std::string option;
        while (fields >> option) {
          const auto eq = option.find('=');
          c.options[option.substr(0, eq)] = std::stod(option.substr(eq + 1));
        }
        out.cases.push_back(c);
        continue;
      }
      int64_t ndim = 0;
      fields >> ndim;
      Shape shape(static_cast<std::size_t>(ndim));
      for (int64_t& s : shape) fields >> s;
      std::vector<double> values(static_cast<std::size_t>(shape_numel(shape)));
      for (double& v : values) fields >> v;
      out.tensors[key] = from_vector<double>(values, shape);
    }
    return out;
  }();
  return g;
}

// Reads the option `key` into `field` when the case names it, else keeps the default.
template <typename T> void read(const Case& c, const char* key, T& field) {
  const auto found = c.options.find(key);
  if (found != c.options.end()) field = static_cast<T>(found->second);
}

std::unique_ptr<Optimizer> make_optimizer(const Case& c, std::vector<Tensor> params) {
  if (c.algorithm == "SGD") {
    SGDOptions o;
    read(c, "lr", o.lr), read(c, "momentum", o.momentum), read(c, "dampening", o.dampening);
    read(c, "weight_decay", o.weight_decay), read(c, "nesterov", o.nesterov);
    return std::make_unique<SGD>(std::move(params), o);
  }
  if (c.algorithm == "Adagrad") {
    AdagradOptions o;
    read(c, "lr", o.lr), read(c, "lr_decay", o.lr_decay), read(c, "weight_decay", o.weight_decay);
    read(c, "initial_accumulator_value", o.initial_accumulator_value), read(c, "eps", o.eps);
    return std::make_unique<Adagrad>(std::move(params), o);
  }
  if (c.algorithm == "RMSprop") {
    RMSpropOptions o;
    read(c, "lr", o.lr), read(c, "alpha", o.alpha), read(c, "eps", o.eps), read(c, "momentum", o.momentum);
    read(c, "centered", o.centered), read(c, "weight_decay", o.weight_decay);
    return std::make_unique<RMSprop>(std::move(params), o);
  }
  if (c.algorithm == "Adam") {
    AdamOptions o;
    read(c, "lr", o.lr), read(c, "beta1", o.beta1), read(c, "beta2", o.beta2), read(c, "eps", o.eps);
    read(c, "weight_decay", o.weight_decay), read(c, "amsgrad", o.amsgrad);
    return std::make_unique<Adam>(std::move(params), o);
  }
  if (c.algorithm == "AdamW") {
    AdamWOptions o;
    read(c, "lr", o.lr), read(c, "beta1", o.beta1), read(c, "beta2", o.beta2), read(c, "eps", o.eps);
    read(c, "weight_decay", o.weight_decay), read(c, "amsgrad", o.amsgrad);
    return std::make_unique<AdamW>(std::move(params), o);
  }
  ADD_FAILURE() << "unknown algorithm " << c.algorithm;
  return nullptr;
}

const char* const kParams[] = {"0.weight", "0.bias", "2.weight", "2.bias"};

// Trains the golden MLP in `dtype` and returns the largest |ours - torch| / (|torch| + 1e-3).
double worst_relative_error(const Case& c, DType dtype) {
  const Golden& g = golden();
  nn::Sequential mlp{std::make_shared<nn::Linear>(4, 8), std::make_shared<nn::Tanh>(),
                     std::make_shared<nn::Linear>(8, 3)};
  nn::StateDict init;
  for (const char* name : kParams) init[name] = g.tensors.at(std::string("init/") + name);
  mlp.load_state_dict(init);
  mlp.to(dtype);
  const Tensor x = g.tensors.at("data/x").to(dtype), y = g.tensors.at("data/y").to(DType::Int64);
  auto optimizer = make_optimizer(c, mlp.parameters());
  if (!optimizer) return INFINITY;
  for (int step = 0; step < 25; ++step) {
    optimizer->zero_grad();
    cross_entropy(mlp(x), y).backward();
    optimizer->step();
  }
  double worst = 0;
  const auto state = mlp.state_dict();
  for (const char* name : kParams) {
    const auto ours = state.at(name).to_vector<double>();
    const auto torch = g.tensors.at(c.name + "/" + name).to_vector<double>();
    for (std::size_t i = 0; i < ours.size(); ++i)
      worst = std::max(worst, std::abs(ours[i] - torch[i]) / (std::abs(torch[i]) + 1e-3));
  }
  return worst;
}

TEST(OptimizerGolden, EveryCaseIsThere) {
  ASSERT_EQ(golden().cases.size(), 18u) << "is MINIDL_SOURCE_DIR set?";
  for (const char* algorithm : {"SGD", "Adagrad", "RMSprop", "Adam", "AdamW"}) {
    int n = 0;
    for (const Case& c : golden().cases) n += c.algorithm == algorithm;
    EXPECT_GE(n, 2) << algorithm;
  }
}

TEST(OptimizerGolden, Float64TrajectoriesMatchPyTorch) {
  for (const Case& c : golden().cases) EXPECT_LT(worst_relative_error(c, DType::Float64), 1e-5) << c.name;
}

// The float32 kernels follow the same trajectory up to float32 rounding over 25 steps.
TEST(OptimizerGolden, Float32TrajectoriesMatchPyTorch) {
  for (const Case& c : golden().cases) EXPECT_LT(worst_relative_error(c, DType::Float32), 1e-4) << c.name;
}

}  // namespace
}  // namespace minidl::optim
