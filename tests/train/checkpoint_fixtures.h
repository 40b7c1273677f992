// Small modules and helpers shared by the checkpoint tests: Tiny has a parameter,
// an int64 buffer and a child module (so state-dict names are dotted); Scale is
// the one-weight model of the resume tests.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/reduction.h"
#include "core/random.h"
#include "layers/module.h"

namespace minidl::train::test {

class Inner : public nn::Module {
 public:
  Inner() : Module("Inner") { bias = register_parameter("bias", from_vector<float>({0.1f, 0.2f, 0.3f})); }
  Tensor bias;
};

class Tiny : public nn::Module {
 public:
  /// weight [2, n/2]; `with_extra` adds a parameter "extra" that older checkpoints lack.
  explicit Tiny(int64_t n = 6, bool with_extra = false) : Module("Tiny") {
    weight = register_parameter("weight", arange(static_cast<double>(n)).to(DType::Float32).view({2, n / 2}));
    count = register_buffer("count", zeros({2}, {.dtype = DType::Int64}));
    inner = register_module("inner", std::make_shared<Inner>());
    if (with_extra) register_parameter("extra", zeros({1}));
  }
  /// Values from the default generator, and a buffer that is not all zeros.
  void randomize() {
    autograd::NoGradGuard no_grad;
    weight.copy_(randn(weight.shape()));
    inner->bias.copy_(randn({3}));
    count.copy_(from_vector<int64_t>({7, 8}));
  }
  Tensor weight, count;
  std::shared_ptr<Inner> inner;
};

/// A linear model without bias: prediction = sum over features of x * weight.
class Scale : public nn::Module {
 public:
  explicit Scale(int64_t features = 4) : Module("Scale") {
    weight = register_parameter("weight", full({features}, 0.5));
  }
  Tensor forward(const Tensor& x) override { return sum(mul(x, weight), {1}); }
  Tensor weight;
};

inline std::filesystem::path temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("minidl_checkpoint_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace minidl::train::test
