// Module::str() of every layer against PyTorch's repr of the same torch.nn layer (golden text
// from golden/make_layer_repr.py), Python's float spelling against Python's own, and the
// documented forms of the layers PyTorch lacks or prints bare.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <memory>

#include "layers/golden_text.h"
#include "layers/nn.h"
#include "layers/repr.h"

namespace minidl::nn {
namespace {

using Make = std::function<std::shared_ptr<Module>()>;

template <typename M, typename... Args> Make make(Args... args) {
  return [=] { return std::make_shared<M>(args...); };
}

// The cases of make_layer_repr.py, built with minidl's API.
const std::map<std::string, Make>& cases() {
  static const std::map<std::string, Make> all = {
      {"conv_default", make<Conv2d>(3, 32, Conv2dOptions{.kernel_size = 3})},
      {"conv_padded_no_bias", make<Conv2d>(3, 32, Conv2dOptions{.kernel_size = 3, .padding = 1, .bias = false})},
      {"conv_all", make<Conv2d>(4, 8,
                                Conv2dOptions{.kernel_size = {3, 5},
                                              .stride = 2,
                                              .padding = {1, 2},
                                              .dilation = 2,
                                              .groups = 2,
                                              .bias = false})},
      {"conv_dilation_only", make<Conv2d>(2, 2, Conv2dOptions{.kernel_size = 1, .dilation = {1, 2}})},
      {"bn2d", make<BatchNorm2d>(32)},
      {"bn2d_eps_momentum", make<BatchNorm2d>(8, BatchNormOptions{.eps = 0.0001, .momentum = 0.01})},
      {"bn1d_cumulative_plain",
       make<BatchNorm1d>(4, BatchNormOptions{
                                .eps = 1e-3, .momentum = std::nullopt, .affine = false, .track_running_stats = false})},
      {"linear", make<Linear>(512, 10)},
      {"linear_no_bias", make<Linear>(3, 4, false)},
      {"relu", make<ReLU>()},
      {"leaky_relu", make<LeakyReLU>()},
      {"leaky_relu_02", make<LeakyReLU>(0.2)},
      {"gelu", make<GELU>()},
      {"sigmoid", make<Sigmoid>()},
      {"tanh", make<Tanh>()},
      {"maxpool2", make<MaxPool2d>(2)},
      {"maxpool_rect", make<MaxPool2d>(Size2{2, 3}, MaxPool2dOptions{.stride = 1, .padding = 1})},
      {"avgpool2", make<AvgPool2d>(2)},
      {"avgpool3", make<AvgPool2d>(3, AvgPool2dOptions{.stride = 1, .padding = 1, .count_include_pad = false})},
      {"adaptive1", make<AdaptiveAvgPool2d>(1)},
      {"adaptive23", make<AdaptiveAvgPool2d>(Size2{2, 3})},
      {"dropout", make<Dropout>(0.5)},
      {"dropout_quarter", make<Dropout>(0.25)},
      {"flatten", make<Flatten>()},
      {"flatten_0_2", make<Flatten>(0, 2)},
      {"identity", make<Identity>()},
      {"sequential_empty", make<Sequential>()},
      {"sequential_nested",
       [] {
         return std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
             std::make_shared<Linear>(2, 3), std::make_shared<ReLU>(),
             std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
                 std::make_shared<Linear>(3, 1), std::make_shared<Sigmoid>()})});
       }},
      {"cross_entropy", make<CrossEntropyLoss>(CrossEntropyOptions{.label_smoothing = 0.1})},
      {"mse", make<MSELoss>()},
  };
  return all;
}

TEST(Repr, EveryLayerPrintsAsPyTorch) {
  const auto golden = test::read_golden_pairs("tests/layers/golden/layer_repr.txt");
  ASSERT_EQ(golden.size(), cases().size()) << "the case lists of make_layer_repr.py and this test differ";
  for (const auto& [name, build] : cases()) {
    ASSERT_TRUE(golden.count(name)) << name << " is not in layer_repr.txt";
    EXPECT_EQ(build()->str(), golden.at(name)) << name;
  }
}

TEST(Repr, FloatsAreSpelledAsPython) {
  const auto golden = test::read_golden_pairs("tests/layers/golden/python_floats.txt");
  ASSERT_GT(golden.size(), 20u);
  for (const auto& [hex, text] : golden)
    EXPECT_EQ(repr::py_float(std::strtod(hex.c_str(), nullptr)), text) << hex;
}

// minidl's own layers, and FractionalMaxPool2d, which PyTorch prints as a bare
// "FractionalMaxPool2d()": their settings under PyTorch's (or torchvision's) argument names.
TEST(Repr, MinidlLayersStateTheirSettings) {
  EXPECT_EQ(DropConnectLinear(8, 4, 0.3).str(),
            "DropConnectLinear(in_features=8, out_features=4, bias=True, drop_prob=0.3)");
  EXPECT_EQ(StochasticDepth(0.1).str(), "StochasticDepth(p=0.1, mode=row)");  // torchvision's text
  EXPECT_EQ(StochasticDepth(0.0, StochasticDepthMode::Batch).str(), "StochasticDepth(p=0.0, mode=batch)");
  EXPECT_EQ(FractionalMaxPool2d(2, {.output_ratio = 0.5}).str(),
            "FractionalMaxPool2d(kernel_size=(2, 2), output_ratio=(0.5, 0.5))");
  EXPECT_EQ(FractionalMaxPool2d({3, 2}, {.output_size = Size2{10, 12}}).str(),
            "FractionalMaxPool2d(kernel_size=(3, 2), output_size=(10, 12))");
  const Ensemble ensemble({std::make_shared<Identity>(), std::make_shared<ReLU>()});
  EXPECT_EQ(ensemble.str(), "Ensemble(\n  (0): Identity()\n  (1): ReLU()\n)");
}

// A module whose extra_repr spans lines and that has children: PyTorch puts every extra line
// above the children, each indented, instead of on the type's line.
class Annotated : public Module {
 public:
  Annotated() : Module("Annotated") { register_module("inner", std::make_shared<Linear>(1, 1)); }
  std::string extra_repr() const override { return "alpha=1\nbeta=2"; }
};

TEST(Repr, MultiLineExtraReprGoesAboveTheChildren) {
  EXPECT_EQ(
      Annotated().str(),
      "Annotated(\n  alpha=1\n  beta=2\n  (inner): Linear(in_features=1, out_features=1, bias=True)\n)");
}

}  // namespace
}  // namespace minidl::nn
