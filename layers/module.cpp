#include "layers/module.h"

#include <sstream>

#include "core/autograd.h"

namespace minidl::nn {

std::string LoadReport::str() const {
  std::ostringstream out;
  auto list = [&out](const char* what, const std::vector<std::string>& keys) {
    if (keys.empty()) return;
    out << what << ": ";
    for (std::size_t i = 0; i < keys.size(); ++i) out << (i ? ", " : "") << keys[i];
    out << ". ";
  };
  list("missing keys", missing_keys);
  list("unexpected keys", unexpected_keys);
  list("shape mismatches", mismatched_keys);
  return out.str();
}

Tensor Module::forward(const Tensor&) {
  throw ValueError(detail::str_cat(type_name_, " has no one-input forward()"));
}

void Module::check_new_name(const std::string& name) const {
  MINIDL_CHECK(!name.empty() && name.find('.') == std::string::npos, ValueError, type_name_,
               ": invalid member name '", name, "' (non-empty, no dots)");
  auto taken = [&name](const auto& list) {
    for (const auto& entry : list)
      if (entry.first == name) return true;
    return false;
  };
  MINIDL_CHECK(!taken(params_) && !taken(buffers_) && !taken(children_), ValueError, type_name_, ": name '",
               name, "' is already registered");
}

Tensor Module::register_parameter(const std::string& name, Tensor tensor, bool requires_grad) {
  check_new_name(name);
  if (tensor.defined()) tensor.requires_grad_(requires_grad);
  params_.emplace_back(name, tensor);
  return tensor;
}

Tensor Module::register_buffer(const std::string& name, Tensor tensor) {
  check_new_name(name);
  buffers_.emplace_back(name, tensor);
  return tensor;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name(name);
  MINIDL_CHECK(module != nullptr, ValueError, type_name_, ": child '", name, "' is null");
  children_.emplace_back(name, std::move(module));
}

void Module::replace_tensor(const std::string& name, const Tensor& tensor) {
  for (auto* list : {&params_, &buffers_})
    for (auto& [key, value] : *list)
      if (key == name) {
        value = tensor;
        return;
      }
  throw ValueError(detail::str_cat(type_name_, ": no parameter or buffer named '", name, "'"));
}

std::shared_ptr<Module> Module::replace_module(const std::string& name, std::shared_ptr<Module> module) {
  MINIDL_CHECK(module != nullptr, ValueError, type_name_, ": replacement for child '", name, "' is null");
  for (auto& [key, child] : children_)
    if (key == name) {
      std::swap(child, module);
      return module;
    }
  throw ValueError(detail::str_cat(type_name_, ": no child module named '", name, "'"));
}

std::vector<std::pair<std::string, Module*>> Module::named_modules(const std::string& prefix) {
  std::vector<std::pair<std::string, Module*>> out{{prefix, this}};
  for (const auto& [name, child] : children_) {
    auto below = child->named_modules(prefix.empty() ? name : prefix + "." + name);
    out.insert(out.end(), below.begin(), below.end());
  }
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const auto& entry : params_)
    if (entry.second.defined()) out.push_back(entry);
  if (!recurse) return out;
  for (const auto& [name, child] : children_)
    for (auto& [key, value] : child->named_parameters(true)) out.emplace_back(name + "." + key, value);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const auto& entry : buffers_)
    if (entry.second.defined()) out.push_back(entry);
  if (!recurse) return out;
  for (const auto& [name, child] : children_)
    for (auto& [key, value] : child->named_buffers(true)) out.emplace_back(name + "." + key, value);
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& entry : named_parameters(recurse)) out.push_back(entry.second);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& entry : named_buffers(recurse)) out.push_back(entry.second);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& entry : children_) out.push_back(entry.second);
  return out;
}

void Module::train(bool on) {
  training_ = on;
  for (const auto& entry : children_) entry.second->train(on);
}

void assign_in_place(const Tensor& target, const Tensor& source) {
  detail::TensorImpl& impl = target.impl();
  const detail::TensorImpl& from = source.impl();
  impl.storage = from.storage;
  impl.shape = from.shape;
  impl.strides = from.strides;
  impl.offset = from.offset;
  impl.dtype = from.dtype;
  if (impl.autograd) impl.autograd->grad = Tensor();
}

Module& Module::to(const Device& device) {
  autograd::NoGradGuard no_grad;
  for (const auto* list : {&params_, &buffers_})
    for (const auto& [name, tensor] : *list)
      if (tensor.defined() && tensor.device() != device) assign_in_place(tensor, tensor.to(device));
  for (const auto& entry : children_) entry.second->to(device);
  return *this;
}

Module& Module::to(DType dtype) {
  autograd::NoGradGuard no_grad;
  for (const auto* list : {&params_, &buffers_})
    for (const auto& [name, tensor] : *list)
      if (tensor.defined() && is_floating(tensor.dtype()) && tensor.dtype() != dtype)
        assign_in_place(tensor, tensor.to(dtype));
  for (const auto& entry : children_) entry.second->to(dtype);
  return *this;
}

void Module::zero_grad(bool set_to_none) {
  for (const Tensor& p : parameters()) {
    if (set_to_none || !p.grad().defined()) p.set_grad(Tensor());
    else p.grad().zero_();
  }
}

void Module::requires_grad_(bool requires_grad) {
  for (const Tensor& p : parameters()) p.requires_grad_(requires_grad);
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (const auto& entry : children_) entry.second->apply(fn);
  fn(*this);
}

StateDict Module::state_dict() const {
  StateDict state;
  for (auto& [name, tensor] : named_parameters()) state[name] = tensor.detach();
  for (auto& [name, tensor] : named_buffers()) state[name] = tensor.detach();
  return state;
}

LoadReport Module::load_state_dict(const StateDict& state, bool strict) {
  LoadReport report;
  std::vector<std::pair<Tensor, Tensor>> copies;  // checked first, copied only if strict allows
  auto match = [&](const std::vector<std::pair<std::string, Tensor>>& entries) {
    for (const auto& [name, tensor] : entries) {
      const auto found = state.find(name);
      if (found == state.end()) {
        report.missing_keys.push_back(name);
      } else if (found->second.shape() != tensor.shape()) {
        report.mismatched_keys.push_back(name + ": expected " + shape_str(tensor.shape()) + ", got " +
                                         shape_str(found->second.shape()));
      } else {
        copies.emplace_back(tensor, found->second);
      }
    }
  };
  const auto params = named_parameters();
  const auto bufs = named_buffers();
  match(params);
  match(bufs);
  for (const auto& [name, tensor] : state) {
    bool known = false;
    for (const auto* list : {&params, &bufs})
      for (const auto& entry : *list) known = known || entry.first == name;
    if (!known) report.unexpected_keys.push_back(name);
  }
  MINIDL_CHECK(!strict || report.ok(), ValueError, "load_state_dict (", type_name_, "): ", report.str());
  autograd::NoGradGuard no_grad;
  for (const auto& [target, source] : copies) target.copy_(source);
  return report;
}

// PyTorch's layout: the extra_repr lines, then "(name): child" with the child's later lines
// indented two more; a lone one-line extra_repr stays on the type's line.
std::string Module::str() const {
  std::vector<std::string> lines;
  const std::string extra = extra_repr();
  if (!extra.empty()) {
    std::istringstream in(extra);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  const std::size_t extra_lines = lines.size();
  for (const auto& [name, child] : children_) {
    std::string text;
    for (char c : child->str()) text += c == '\n' ? std::string("\n  ") : std::string(1, c);
    lines.push_back("(" + name + "): " + text);
  }
  std::string out = type_name_ + "(";
  if (extra_lines == 1 && children_.empty()) {
    out += lines[0];
  } else if (!lines.empty()) {
    for (const std::string& line : lines) out += "\n  " + line;
    out += "\n";
  }
  return out + ")";
}

Tensor Module::operator()(const Tensor& input) {
  Tensor output = forward(input);
  // A copy: a hook may remove itself (or others) while it runs.
  const auto hooks = forward_hooks_;
  for (const auto& [id, hook] : hooks) hook(*this, input, output);
  return output;
}

std::size_t Module::register_forward_hook(ForwardHook hook) {
  MINIDL_CHECK(hook != nullptr, ValueError, type_name_, ": register_forward_hook got an empty hook");
  forward_hooks_.emplace_back(next_hook_id_, std::move(hook));
  return next_hook_id_++;
}

void Module::remove_forward_hook(std::size_t id) {
  std::erase_if(forward_hooks_, [id](const auto& entry) { return entry.first == id; });
}

}  // namespace minidl::nn
