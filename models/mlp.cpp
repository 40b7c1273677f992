// MLP's layers; activations are created by name so the registry and the command lines of the
// examples can pick one with a string.
#include "models/mlp.h"

#include "layers/nn.h"

namespace minidl::models {
namespace {

std::shared_ptr<nn::Module> make_activation(const std::string& name) {
  if (name == "relu") return std::make_shared<nn::ReLU>();
  if (name == "gelu") return std::make_shared<nn::GELU>();
  if (name == "tanh") return std::make_shared<nn::Tanh>();
  if (name == "sigmoid") return std::make_shared<nn::Sigmoid>();
  if (name == "leaky_relu") return std::make_shared<nn::LeakyReLU>();
  throw ValueError("MLP: unknown activation '" + name + "' (known: relu, gelu, tanh, sigmoid, leaky_relu)");
}

}  // namespace

MLP::MLP(MLPOptions options) : Module("MLP"), options_(std::move(options)) {
  const auto& sizes = options_.sizes;
  MINIDL_CHECK(sizes.size() >= 2, ValueError, "MLP: sizes needs {in_features, ..., out_features}, got ",
               shape_str(sizes));
  for (int64_t size : sizes)
    MINIDL_CHECK(size > 0, ValueError, "MLP: every size must be positive, got ", shape_str(sizes));
  MINIDL_CHECK(options_.dropout >= 0.0 && options_.dropout < 1.0, ValueError,
               "MLP: dropout must be in [0, 1), got ", options_.dropout);
  layers = register_module("layers", std::make_shared<nn::Sequential>());
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    layers->push_back(std::make_shared<nn::Linear>(sizes[i], sizes[i + 1]));
    if (i + 2 == sizes.size()) break;
    layers->push_back(make_activation(options_.activation));
    layers->push_back(std::make_shared<nn::Dropout>(options_.dropout));
  }
  if (sizes.size() == 2) make_activation(options_.activation);  // still reject an unknown name
}

Tensor MLP::forward(const Tensor& input) {
  MINIDL_CHECK(input.dim() >= 2 && input.numel() == input.size(0) * options_.sizes.front(), ShapeError,
               "MLP: expected input [N, ...] with ", options_.sizes.front(), " features per sample, got ",
               shape_str(input.shape()));
  return (*layers)(input.flatten(1));
}

}  // namespace minidl::models
