// Structural modules, as torch.nn's: Flatten (dims start_dim..end_dim merged into one,
// differentiable), Identity, and Sequential, which runs its children in order and names
// them "0", "1", ... so state-dict keys ("0.weight", "1.running_mean") match PyTorch's.
#pragma once

#include <initializer_list>
#include <memory>
#include <vector>

#include "layers/module.h"

namespace minidl::nn {

class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1)
      : Module("Flatten"), start_dim_(start_dim), end_dim_(end_dim) {}
  Tensor forward(const Tensor& input) override;
  /// "start_dim=1, end_dim=-1", as PyTorch.
  std::string extra_repr() const override;

 private:
  int64_t start_dim_, end_dim_;
};

class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Tensor forward(const Tensor& input) override { return input; }
};

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  explicit Sequential(const std::vector<std::shared_ptr<Module>>& modules);

  /// Appends a child named after its index.
  void push_back(std::shared_ptr<Module> module);
  std::size_t size() const { return named_children().size(); }
  bool empty() const { return named_children().empty(); }
  /// The i-th child; std::out_of_range past the end.
  const std::shared_ptr<Module>& operator[](std::size_t index) const { return named_children().at(index).second; }
  /// The i-th child as M (e.g. seq.at<Linear>(0)); ValueError if it is not an M.
  template <typename M> std::shared_ptr<M> at(std::size_t index) const {
    auto typed = std::dynamic_pointer_cast<M>((*this)[index]);
    MINIDL_CHECK(typed != nullptr, ValueError, "Sequential: child ", index, " is a ", (*this)[index]->type_name());
    return typed;
  }

  /// Passes the input through every child in order (the input itself when empty). The children
  /// are the registered ones, so replace_module() (e.g. a new head) takes effect at once.
  Tensor forward(const Tensor& input) override;
};

}  // namespace minidl::nn
