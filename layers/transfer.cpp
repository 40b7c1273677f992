// Freezing, head replacement and per-pattern parameter groups. Batch norms are locked in
// evaluation mode through Module::set_eval_locked, so Module::train() needs no special case
// and BatchNormBase::forward simply sees is_training() == false.
#include "layers/transfer.h"

#include <algorithm>

#include "core/autograd.h"
#include "layers/batch_norm.h"
#include "layers/container.h"
#include "layers/init.h"

namespace minidl::nn {
namespace {

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

std::string first_names(const std::vector<std::pair<std::string, Tensor>>& entries) {
  std::string out;
  for (std::size_t i = 0; i < entries.size() && i < 4; ++i) out += (i ? ", " : "") + entries[i].first;
  if (entries.size() > 4) out += ", ...";
  return out.empty() ? "none" : out;
}

// requires_grad for every matching parameter, then the lock of each batch norm the pattern touched.
std::vector<std::string> set_trainable(Module& module, const std::string& pattern, bool trainable,
                                       bool lock_batch_norms, const char* api) {
  std::vector<std::string> matched;
  const auto params = module.named_parameters();
  for (const auto& [name, param] : params) {
    if (!glob_match(pattern, name)) continue;
    param.requires_grad_(trainable);
    if (!trainable) param.set_grad(Tensor());
    matched.push_back(name);
  }
  MINIDL_CHECK(!matched.empty(), ValueError, api, ": pattern '", pattern, "' matches no parameter of ",
               module.type_name(), " (its parameters: ", first_names(params),
               "); '*' matches any characters, dots included");
  for (const auto& [prefix, child] : module.named_modules()) {
    auto* bn = dynamic_cast<BatchNormBase*>(child);
    if (bn == nullptr) continue;
    const auto own = bn->named_parameters(false);
    bool touched = false, any_trainable = false;
    for (const auto& [name, param] : own) {
      touched = touched || glob_match(pattern, join(prefix, name));
      any_trainable = any_trainable || param.requires_grad();
    }
    if (own.empty())  // no affine parameters: the buffers say whether the pattern covers it
      for (const auto& [name, buffer] : bn->named_buffers(false))
        touched = touched || glob_match(pattern, join(prefix, name));
    if (!touched) continue;
    if (trainable && (any_trainable || own.empty())) bn->set_eval_locked(false);
    if (!trainable && lock_batch_norms && !any_trainable) bn->set_eval_locked(true);
  }
  return matched;
}

}  // namespace

bool glob_match(const std::string& pattern, const std::string& name) {
  // Greedy matching with one backtrack point: the latest '*' absorbs one more character.
  std::size_t p = 0, n = 0, star = std::string::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<std::string> freeze(Module& module, const std::string& pattern, FreezeOptions options) {
  return set_trainable(module, pattern, false, options.freeze_batch_norm_stats, "freeze");
}

std::vector<std::string> unfreeze(Module& module, const std::string& pattern) {
  return set_trainable(module, pattern, true, false, "unfreeze");
}

Module& module_at(Module& root, const std::string& path) {
  Module* current = &root;
  std::string walked;
  std::size_t start = 0;
  while (!path.empty() && start <= path.size()) {
    const std::size_t dot = std::min(path.find('.', start), path.size());
    const std::string part = path.substr(start, dot - start);
    Module* next = nullptr;
    for (const auto& [name, child] : current->named_children())
      if (name == part) next = child.get();
    MINIDL_CHECK(next != nullptr, ValueError, "module_at: ", root.type_name(), " has no module '", path,
                 "': '", join(walked, part), "' does not exist (", current->type_name(), " '", walked,
                 "' has ", current->named_children().size(), " children)");
    current = next;
    walked = join(walked, part);
    start = dot + 1;
  }
  return *current;
}

std::vector<std::string> reset_parameters(Module& root, const std::string& path, Generator* generator) {
  autograd::NoGradGuard no_grad;
  std::vector<std::string> names;
  for (const auto& [prefix, module] : module_at(root, path).named_modules(path)) {
    const auto own = module->named_parameters(false);
    if (auto* bn = dynamic_cast<BatchNormBase*>(module)) {
      bn->reset_running_stats();
      if (bn->weight.defined()) bn->weight.fill_(1.0);
      if (bn->bias.defined()) bn->bias.fill_(0.0);
    } else if (!own.empty()) {
      Tensor weight, bias;
      for (const auto& [name, param] : own) {
        if (name == "weight" && param.dim() >= 2)
          weight = param;
        else if (name == "bias")
          bias = param;
        else
          throw ValueError(detail::str_cat("reset_parameters: do not know how to initialize '",
                                           join(prefix, name), "' of ", module->type_name(), " (shape ",
                                           shape_str(param.shape()), ")"));
      }
      MINIDL_CHECK(weight.defined(), ValueError, "reset_parameters: ", module->type_name(), " '", prefix,
                   "' has a bias but no weight of 2+ dims");
      init::default_layer_init_(weight, bias, generator);
    }
    for (const auto& entry : own) names.push_back(join(prefix, entry.first));
  }
  return names;
}

std::shared_ptr<Module> replace_head(Module& root, const std::string& path, std::shared_ptr<Module> head) {
  return detail::replace_head(root, path, std::move(head), 0);
}

}  // namespace minidl::nn

namespace minidl::detail {

std::shared_ptr<nn::Module> replace_head(nn::Module& root, const std::string& path,
                                         std::shared_ptr<nn::Module> head, long other_holders) {
  using namespace nn;
  MINIDL_CHECK(!path.empty(), ValueError, "replace_head: the path must name a child, got \"\"");
  MINIDL_CHECK(head != nullptr, ValueError, "replace_head: the new module for '", path, "' is null");
  const std::size_t dot = path.rfind('.');
  Module& parent = module_at(root, dot == std::string::npos ? "" : path.substr(0, dot));
  const std::string name = dot == std::string::npos ? path : path.substr(dot + 1);
  module_at(root, path);  // a ValueError naming the path when there is nothing to replace
  const auto params = root.named_parameters();
  if (!params.empty()) {
    head->to(params.front().second.device());
    head->to(params.front().second.dtype());
  }
  head->train(parent.is_training());

  std::shared_ptr<Module> old = parent.replace_module(name, head);
  // Anyone else still holding the old module (a typed member the forward calls) would keep
  // using it, and the new head would train without ever being used: refuse instead.
  if (old.use_count() > 1 + other_holders) {
    parent.replace_module(name, old);
    throw ValueError(str_cat(
        "replace_head: ", parent.type_name(), " still holds its old '", path, "' (", old->type_name(),
        ") elsewhere, e.g. a typed member its forward uses; pass that member too: replace_head(model, \"",
        path, "\", head, model.member)"));
  }
  return old;
}

}  // namespace minidl::detail

namespace minidl::nn {

std::vector<std::vector<std::pair<std::string, Tensor>>> parameters_by_pattern(
    const Module& module, const std::vector<PatternLr>& patterns) {
  MINIDL_CHECK(!patterns.empty(), ValueError, "param_groups_by_pattern: no patterns given");
  std::vector<std::vector<std::pair<std::string, Tensor>>> groups(patterns.size());
  std::vector<std::pair<std::string, Tensor>> unclaimed;
  for (const auto& entry : module.named_parameters()) {
    if (!entry.second.requires_grad()) continue;  // frozen: nothing for an optimizer to do
    std::size_t i = 0;
    while (i < patterns.size() && !glob_match(patterns[i].pattern, entry.first)) ++i;
    if (i < patterns.size())
      groups[i].push_back(entry);
    else
      unclaimed.push_back(entry);
  }
  MINIDL_CHECK(unclaimed.empty(), ValueError, "param_groups_by_pattern: ", unclaimed.size(),
               " trainable parameters match no pattern (", first_names(unclaimed), "); end with {\"*\", lr}");
  for (std::size_t i = 0; i < patterns.size(); ++i)
    MINIDL_CHECK(!groups[i].empty(), ValueError, "param_groups_by_pattern: pattern '", patterns[i].pattern,
                 "' claims no trainable parameter (frozen, or taken by an earlier pattern)");
  return groups;
}

}  // namespace minidl::nn
