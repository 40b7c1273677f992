// Flatten is a differentiable view (Tensor::flatten records its backward); Sequential keeps
// its children in a vector too, for indexing by position.
#include "layers/container.h"

namespace minidl::nn {

Tensor Flatten::forward(const Tensor& input) { return input.flatten(start_dim_, end_dim_); }

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) : Module("Sequential") {
  for (const auto& module : modules) push_back(module);
}

Sequential::Sequential(const std::vector<std::shared_ptr<Module>>& modules) : Module("Sequential") {
  for (const auto& module : modules) push_back(module);
}

void Sequential::push_back(std::shared_ptr<Module> module) {
  register_module(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& module : modules_) x = module->forward(x);
  return x;
}

}  // namespace minidl::nn
