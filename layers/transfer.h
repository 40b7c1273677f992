// Transfer learning on an nn::Module: freeze and unfreeze parameters by a glob over their
// dotted names (keeping frozen batch norms' running statistics still), re-initialize or
// replace a head, and build optimizer parameter groups with per-pattern learning rates.
// Patterns: '*' matches any run of characters INCLUDING dots ("backbone.*" matches
// "backbone.0.weight"), '?' one character; anything else matches itself.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/generator.h"
#include "layers/module.h"
#include "optim/optimizer.h"

namespace minidl::nn {

/// Whether `name` matches the glob `pattern` as a whole ('*' spans dots).
bool glob_match(const std::string& pattern, const std::string& name);

struct FreezeOptions {
  /// Lock in evaluation mode every batch norm whose parameters are all frozen (a batch norm
  /// without parameters: whose buffers match the pattern), so train() leaves its running
  /// statistics alone and it normalizes with them, as a pretrained backbone expects.
  bool freeze_batch_norm_stats = true;
};

/// Sets requires_grad = false on every parameter whose dotted name matches `pattern` (and drops
/// its gradient); returns the matched names. ValueError naming the pattern when none matches.
std::vector<std::string> freeze(Module& module, const std::string& pattern, FreezeOptions options = {});
/// The reverse: requires_grad = true, and batch norms with a trainable parameter (or matching
/// buffers, without parameters) unlocked. ValueError naming the pattern when none matches.
std::vector<std::string> unfreeze(Module& module, const std::string& pattern);

/// The module at a dotted path ("classifier.1"; "" is `root`); ValueError naming the missing part.
Module& module_at(Module& root, const std::string& path);

/// Re-initializes the module at `path` and everything below it: layers with a weight of 2+ dims
/// (Linear, Conv) by PyTorch's default (init::default_layer_init_), batch norms to weight 1,
/// bias 0 and fresh running statistics. ValueError for a parameter it does not know how to
/// initialize. Returns the names of the re-initialized parameters (dotted from `root`).
std::vector<std::string> reset_parameters(Module& root, const std::string& path,
                                          Generator* generator = nullptr);

/// Swaps the child at `path` (e.g. "classifier.1") for `head` (e.g. Linear(2048, 4)), moved to
/// the device and dtype of the model's first parameter; returns the old module. Every other
/// parameter is untouched. Works through Sequential's positional list; throws ValueError (and
/// changes nothing) when the old module is still held elsewhere — e.g. a model's typed member
/// that its forward uses — since the new head would then be silently ignored.
std::shared_ptr<Module> replace_head(Module& root, const std::string& path, std::shared_ptr<Module> head);

}  // namespace minidl::nn

namespace minidl::detail {
/// replace_head, tolerating `other_holders` references to the old module besides the model's.
std::shared_ptr<nn::Module> replace_head(nn::Module& root, const std::string& path,
                                         std::shared_ptr<nn::Module> head, long other_holders);
}  // namespace minidl::detail

namespace minidl::nn {

/// replace_head for a model whose forward uses a typed member too (ResNet18's fc):
///   nn::replace_head(*resnet, "fc", std::make_shared<nn::Linear>(512, 4), resnet->fc);
/// points the member at the new head as well (and back, if the replacement fails).
template <typename M>
std::shared_ptr<Module> replace_head(Module& root, const std::string& path, std::shared_ptr<M> head,
                                     std::shared_ptr<M>& member) {
  MINIDL_CHECK(head != nullptr, ValueError, "replace_head: the new module for '", path, "' is null");
  std::shared_ptr<M> old = member;
  member = head;
  try {
    return detail::replace_head(root, path, head, old ? 1 : 0);
  } catch (...) {
    member = old;
    throw;
  }
}

/// A glob and the learning rate of the parameters it claims.
struct PatternLr {
  std::string pattern;
  double lr;
};

/// Trainable parameters split by the first pattern each name matches (frozen ones skipped).
/// ValueError naming the pattern when one claims no trainable parameter, and naming the
/// parameters when some trainable one matches no pattern (end with {"*", lr} to catch all).
std::vector<std::vector<std::pair<std::string, Tensor>>> parameters_by_pattern(
    const Module& module, const std::vector<PatternLr>& patterns);

/// parameters_by_pattern as optimizer groups: each group has `defaults` with its pattern's lr.
///   optim::SGD sgd(nn::param_groups_by_pattern(model, {{"features.*", 1e-3}, {"*", 1e-2}}, opts), opts);
template <typename Options>
std::vector<optim::ParamGroup<Options>> param_groups_by_pattern(const Module& module,
                                                                const std::vector<PatternLr>& patterns,
                                                                Options defaults) {
  std::vector<optim::ParamGroup<Options>> groups;
  const auto split = parameters_by_pattern(module, patterns);
  for (std::size_t i = 0; i < split.size(); ++i) {
    optim::ParamGroup<Options> group{{}, defaults};
    group.options.lr = patterns[i].lr;
    for (const auto& entry : split[i]) group.params.push_back(entry.second);
    groups.push_back(std::move(group));
  }
  return groups;
}

}  // namespace minidl::nn
