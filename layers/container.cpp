// Flatten is a differentiable view (Tensor::flatten records its backward); Sequential runs its
// registered children in registration order.
#include "layers/container.h"

namespace minidl::nn {

Tensor Flatten::forward(const Tensor& input) { return input.flatten(start_dim_, end_dim_); }
std::string Flatten::extra_repr() const {
  return detail::str_cat("start_dim=", start_dim_, ", end_dim=", end_dim_);
}

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) : Module("Sequential") {
  for (const auto& module : modules) push_back(module);
}

Sequential::Sequential(const std::vector<std::shared_ptr<Module>>& modules) : Module("Sequential") {
  for (const auto& module : modules) push_back(module);
}

void Sequential::push_back(std::shared_ptr<Module> module) {
  register_module(std::to_string(size()), std::move(module));
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& [name, module] : named_children()) x = (*module)(x);
  return x;
}

}  // namespace minidl::nn
