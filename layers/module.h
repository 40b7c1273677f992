// nn::Module: the base of every layer and model. It registers parameters,
// buffers and child modules by name, so a model can list them with dotted
// names (layer1.0.conv.weight), switch train/eval, move to a device, and save
// or load a state dict — as torch.nn.Module does. str() prints the tree as PyTorch's repr
// (each layer's settings from its extra_repr()); forward hooks see every call through
// operator() (nn::summary, layers/summary.h, records output shapes with them).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace minidl::nn {

/// Parameters and buffers by dotted name.
using StateDict = std::map<std::string, Tensor>;

/// What load_state_dict could not match.
struct LoadReport {
  std::vector<std::string> missing_keys;     // in the module, not in the dict
  std::vector<std::string> unexpected_keys;  // in the dict, not in the module
  std::vector<std::string> mismatched_keys;  // in both, with different shapes ("name: [a] vs [b]")
  bool ok() const { return missing_keys.empty() && unexpected_keys.empty() && mismatched_keys.empty(); }
  std::string str() const;
};

class Module;
/// Called after a module's forward with the module, its input and its output.
using ForwardHook = std::function<void(Module& module, const Tensor& input, const Tensor& output)>;

class Module {
 public:
  explicit Module(std::string type_name = "Module") : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// The computation of a one-input module; containers and losses define their own.
  virtual Tensor forward(const Tensor& input);
  /// forward(), then the forward hooks. Call children this way (as PyTorch's __call__), so
  /// hooks see them; calling forward() directly skips the hooks, as in PyTorch.
  Tensor operator()(const Tensor& input);

  /// Adds a hook run after every operator() call of this module (not of its children);
  /// returns an id for remove_forward_hook.
  std::size_t register_forward_hook(ForwardHook hook);
  /// Removes the hook with this id (nothing if there is none).
  void remove_forward_hook(std::size_t id);

  std::vector<Tensor> parameters(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }
  /// This module ("" prefix) and every descendant, depth first, with dotted names.
  std::vector<std::pair<std::string, Module*>> named_modules(const std::string& prefix = "");

  /// Training mode (dropout drops, batch norm uses batch statistics), for this module and all below.
  virtual void train(bool on = true);
  void eval() { train(false); }
  /// Whether train() asked for training mode and no evaluation lock holds this module.
  bool is_training() const { return training_ && !eval_locked_; }
  /// What the last train()/eval() asked for, whatever the evaluation lock says.
  bool train_requested() const { return training_; }
  /// Locks this module alone (not its children) in evaluation mode whatever train() says, so a
  /// frozen batch norm keeps its running statistics; unlocking lets the last train()/eval() rule.
  void set_eval_locked(bool locked) { eval_locked_ = locked; }
  bool eval_locked() const { return eval_locked_; }

  /// Moves every parameter and buffer in place: handles held elsewhere (an optimizer) follow.
  /// Returns this module, so calls chain as in PyTorch (model->to(device).train()).
  Module& to(const Device& device);
  /// Casts floating parameters and buffers in place; returns this module.
  Module& to(DType dtype);
  /// Drops every parameter's gradient (set_to_none) or zeroes it.
  void zero_grad(bool set_to_none = true);
  /// Freezes (false) or unfreezes every parameter.
  void requires_grad_(bool requires_grad);
  /// Calls fn on every module, children first (e.g. custom initialization).
  void apply(const std::function<void(Module&)>& fn);
  /// Swaps the registered child `name` for `module` (e.g. a new head) and returns the old one;
  /// ValueError if there is no such child. A subclass that also keeps the child elsewhere (a
  /// typed member, Sequential's list) must be updated by the caller.
  std::shared_ptr<Module> replace_module(const std::string& name, std::shared_ptr<Module> module);

  /// Copies of nothing: the dict holds the module's own tensors (detached handles).
  StateDict state_dict() const;
  /// Copies matching tensors in; strict: throws ValueError listing every problem, else reports them.
  LoadReport load_state_dict(const StateDict& state, bool strict = true);

  const std::string& type_name() const { return type_name_; }
  /// The module tree laid out as PyTorch's Module.__repr__: "TypeName(extra_repr)" for a leaf,
  /// "TypeName(\n  (name): child\n)" with two spaces more per level for a container, e.g.
  ///   Conv2d(3, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
  std::string str() const;
  /// This module's own settings, as the text inside the parentheses of its str() (PyTorch's
  /// extra_repr; "" for none). Each layer states its own; one line, or several for the
  /// lines above the children.
  virtual std::string extra_repr() const { return ""; }

 protected:
  /// Registers a parameter (a leaf that requires grad unless told otherwise) and returns it.
  Tensor register_parameter(const std::string& name, Tensor tensor, bool requires_grad = true);
  /// Registers a buffer (saved and moved with the module, never trained); may be undefined.
  Tensor register_buffer(const std::string& name, Tensor tensor);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }
  /// Replaces a registered parameter/buffer tensor by name (e.g. a re-initialized head).
  void replace_tensor(const std::string& name, const Tensor& tensor);

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void check_new_name(const std::string& name) const;

  std::string type_name_;
  std::vector<std::pair<std::string, Tensor>> params_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
  bool eval_locked_ = false;
  std::vector<std::pair<std::size_t, ForwardHook>> forward_hooks_;
  std::size_t next_hook_id_ = 0;
};

/// Rewrites `target`'s data in place to `source`'s (device, dtype, layout), keeping its identity.
void assign_in_place(const Tensor& target, const Tensor& source);

}  // namespace minidl::nn
