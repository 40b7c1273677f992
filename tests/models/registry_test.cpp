// The model registry and load_pretrained: names and errors, parameter counts equal to the
// PyTorch twins' (golden/param_counts.txt, written by make_model_fixtures.py), logits of every
// model equal to PyTorch's on its golden weights (CPU within 1e-4; CUDA within TF32's
// tolerance), prefix renaming, and the report of missing, unexpected and mis-shaped keys.
#include "models/registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/autograd.h"
#include "core/io/safetensors.h"
#include "core/ops/elementwise.h"
#include "core/ops/reduction.h"
#include "core/random.h"
#include "models/resnet9.h"
#include "support/gpu_test.h"
#include "tests/models/golden.h"

namespace minidl::models {
namespace {

using test::golden_case;

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("minidl_models_" + name + "_" + std::to_string(::getpid())))
      .string();
}

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ValueError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ValueError";
  return "";
}

TEST(Registry, NamesAndUnknownModel) {
  EXPECT_EQ(names(), (std::vector<std::string>{"mlp", "resnet18", "resnet9", "small_cnn"}));
  const std::string message = message_of([] { create("resnet50"); });
  EXPECT_NE(message.find("resnet50"), std::string::npos) << message;
  EXPECT_NE(message.find("mlp, resnet18, resnet9, small_cnn"), std::string::npos) << message;
}

TEST(Registry, RejectsBadOptions) {
  EXPECT_THROW(create("resnet9", {.num_classes = 10, .width = 1.0, .dropout = 0.5}), ValueError);
  EXPECT_THROW(create("resnet18", {.num_classes = 10, .width = 1.0, .dropout = 0.2}), ValueError);
  EXPECT_NO_THROW(create("resnet18", {.num_classes = 10, .width = 0.125, .dropout = 0.0}));
  for (const auto& name : names()) {
    EXPECT_THROW(create(name, {.num_classes = 0}), ValueError) << name;
    EXPECT_THROW(create(name, {.num_classes = 10, .width = 0.0}), ValueError) << name;
  }
  EXPECT_THROW(create("small_cnn", {.num_classes = 10, .width = 1.0, .dropout = 1.0}), ValueError);
}

TEST(Registry, RegisterModelAddsAFactory) {
  register_model("test_resnet9_small", [](const ModelOptions& o) -> std::shared_ptr<nn::Module> {
    return std::make_shared<ResNet9>(ResNet9Options{.num_classes = o.num_classes, .width = 0.125});
  });
  EXPECT_EQ(create("test_resnet9_small", {.num_classes = 3})->type_name(), "ResNet9");
  EXPECT_THROW(register_model("", nullptr), ValueError);
}

TEST(Registry, ParameterCountsEqualThePyTorchTwins) {
  std::ifstream in(test::golden_path("param_counts.txt"));
  ASSERT_TRUE(in) << "is MINIDL_SOURCE_DIR set?";
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name;
    int64_t num_classes = 0, params = 0, entries = 0;
    double width = 0;
    fields >> name >> num_classes >> width >> params >> entries;
    const auto model = create(name, {.num_classes = num_classes, .width = width});
    EXPECT_EQ(test::parameter_count(*model), params) << line;
    EXPECT_EQ(static_cast<int64_t>(model->state_dict().size()), entries) << line;
    ++checked;
  }
  EXPECT_EQ(checked, 8);
}

TEST(Registry, LogitsMatchPyTorch) {
  for (const auto& name : test::kGoldenCases) {
    const auto golden = golden_case(name);
    const Pretrained loaded = load_pretrained(golden.model, golden.weights, golden.options);
    EXPECT_TRUE(loaded.report.ok()) << name << ": " << loaded.report.str();
    loaded.model->eval();
    autograd::NoGradGuard no_grad;
    const Tensor logits = loaded.model->forward(golden.input);
    const double error = test::max_abs_diff(logits, golden.logits);
    EXPECT_LT(error, 1e-4) << name;
    std::cout << name << ": max |logit - PyTorch| = " << error << "\n";
  }
}

TEST(Registry, LoadsNumBatchesTrackedAsInt64) {
  const auto golden = golden_case("small_cnn");
  const auto state = load_pretrained(golden.model, golden.weights, golden.options).model->state_dict();
  EXPECT_EQ(state.at("features.1.num_batches_tracked").dtype(), DType::Int64);
  EXPECT_EQ(state.at("features.1.num_batches_tracked").item(), 3.0);  // three training passes
}

TEST(Registry, LoadPretrainedRenamesPrefixes) {
  const auto golden = golden_case("resnet9_w025");
  io::TensorMap wrapped;
  for (const auto& [key, tensor] : io::load_safetensors(golden.weights).tensors)
    wrapped["module." + key] = tensor;
  const std::string path = temp_path("module.safetensors");
  io::save_safetensors(path, wrapped);

  const std::string strict_error = message_of([&] { load_pretrained("resnet9", path, golden.options); });
  EXPECT_NE(strict_error.find(path), std::string::npos) << strict_error;
  EXPECT_NE(strict_error.find("module.prep.0.weight"), std::string::npos) << strict_error;

  // "module." -> "" wins over the shorter "m" -> "x" (longest prefix).
  const Pretrained loaded =
      load_pretrained("resnet9", path, golden.options, {.rename_prefixes = {{"module.", ""}, {"m", "x"}}});
  EXPECT_TRUE(loaded.report.ok()) << loaded.report.str();
  loaded.model->eval();
  autograd::NoGradGuard no_grad;
  EXPECT_LT(test::max_abs_diff(loaded.model->forward(golden.input), golden.logits), 1e-4);
  std::filesystem::remove(path);
}

TEST(Registry, ReportsMissingUnexpectedAndMisShapedKeys) {
  const auto golden = golden_case("resnet9_w025");  // 10 classes: fc.weight [10, 128]
  io::TensorMap tensors = io::load_safetensors(golden.weights).tensors;
  tensors.erase("layer2.conv.1.running_var");
  tensors["backbone.extra"] = zeros({2});
  const std::string path = temp_path("broken.safetensors");
  io::save_safetensors(path, tensors);
  ModelOptions options = golden.options;
  options.num_classes = 100;

  const std::string error = message_of([&] { load_pretrained("resnet9", path, options); });
  EXPECT_NE(error.find("fc.weight: expected [100, 128], got [10, 128]"), std::string::npos) << error;
  EXPECT_NE(error.find("layer2.conv.1.running_var"), std::string::npos) << error;
  EXPECT_NE(error.find("backbone.extra"), std::string::npos) << error;

  const Pretrained loaded = load_pretrained("resnet9", path, options, {.strict = false});
  EXPECT_EQ(loaded.report.missing_keys, std::vector<std::string>{"layer2.conv.1.running_var"});
  EXPECT_EQ(loaded.report.unexpected_keys, std::vector<std::string>{"backbone.extra"});
  ASSERT_EQ(loaded.report.mismatched_keys.size(), 1u);
  EXPECT_EQ(loaded.report.mismatched_keys[0], "fc.weight: expected [100, 128], got [10, 128]");
  // Everything that matched was loaded; the missing buffer keeps its initial value.
  const auto state = loaded.model->state_dict();
  EXPECT_EQ(state.at("prep.0.weight").to_vector<float>(), tensors.at("prep.0.weight").to_vector<float>());
  EXPECT_EQ(state.at("layer2.conv.1.running_var").to_vector<float>(), std::vector<float>(64, 1.f));
  std::filesystem::remove(path);
}

TEST(Registry, RenameKeysRejectsCollisions) {
  const nn::StateDict state{{"module.fc.weight", zeros({1})}, {"fc.weight", zeros({1})}};
  EXPECT_THROW(rename_keys(state, {{"module.", ""}}), ValueError);
  EXPECT_EQ(rename_keys(state, {{"module.", "net."}}).count("net.fc.weight"), 1u);
}

// CUDA convolutions may use TF32 (10-bit mantissa), as PyTorch's default, hence the tolerance.
class RegistryGpu : public minidl::test::GpuTest {};

TEST_F(RegistryGpu, LogitsMatchPyTorchOnCuda) {
  for (const auto& name : test::kGoldenCases) {
    const auto golden = golden_case(name);
    const auto model = load_pretrained(golden.model, golden.weights, golden.options).model;
    model->to(Device::cuda());
    model->eval();
    autograd::NoGradGuard no_grad;
    const Tensor logits = model->forward(golden.input.to(Device::cuda())).to(Device::cpu());
    const double error = test::max_abs_diff(logits, golden.logits);
    EXPECT_LT(error, 3e-3) << name;
    std::cout << name << " (CUDA): max |logit - PyTorch| = " << error << "\n";
  }
}

// A training-mode forward (batch statistics) and backward on CUDA against the CPU, same weights.
TEST_F(RegistryGpu, TrainingForwardAndBackwardMatchTheCpu) {
  for (const auto& name : names()) {
    if (name.starts_with("test_")) continue;
    const ModelOptions options{.num_classes = 10, .width = 0.125, .dropout = 0.0};
    const auto cpu = create(name, options), gpu = create(name, options);
    gpu->load_state_dict(cpu->state_dict());
    gpu->to(Device::cuda());
    const Tensor x = randn({4, 3, 32, 32});
    const Tensor cpu_out = cpu->forward(x), gpu_out = gpu->forward(x.to(Device::cuda()));
    EXPECT_LT(test::max_abs_diff(gpu_out.to(Device::cpu()), cpu_out), 3e-3) << name;
    sum(cpu_out * cpu_out).backward();
    sum(gpu_out * gpu_out).backward();
    const auto gpu_params = gpu->named_parameters();
    const auto cpu_params = cpu->named_parameters();
    ASSERT_EQ(gpu_params.size(), cpu_params.size());
    for (std::size_t i = 0; i < cpu_params.size(); ++i) {
      const auto& [key, p] = cpu_params[i];
      const Tensor g = gpu_params[i].second.grad();
      ASSERT_TRUE(g.defined()) << name << " " << key;
      const double scale = std::max(1.0, max(abs(p.grad())).item());
      EXPECT_LT(test::max_abs_diff(g.to(Device::cpu()), p.grad()) / scale, 1e-2) << name << " " << key;
    }
  }
}

}  // namespace
}  // namespace minidl::models
