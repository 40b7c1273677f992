// nn::summary: a table of a model's layers as torchinfo's summary() prints it: one row per
// module (dotted name, indented by depth, and type), the shape of its output on one forward
// pass over zeros of the given input shape, its own parameter count, then the model's total,
// trainable and non-trainable (frozen: requires_grad false) parameter counts.
//   std::cout << nn::summary(model, {1, 3, 32, 32});
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "layers/module.h"

namespace minidl::nn {

struct SummaryRow {
  std::string name;  // dotted, "" for the model itself
  std::string type;
  int64_t depth = 0;  // 0 for the model, 1 for its children, ...
  /// Of the module's last call through operator(); empty (shown "--") when it was not called so
  /// (a module whose parent calls its forward() directly skips the hooks, as in PyTorch).
  Shape output_shape;
  bool called = false;
  int64_t params = 0;         // its own, not its children's
  int64_t frozen_params = 0;  // of those, not requiring grad
};

struct ModelSummary {
  Shape input_shape;
  std::vector<SummaryRow> rows;  // named_modules() order: depth first, as registered
  int64_t total_params = 0;      // each parameter once, even if shared by several modules
  int64_t trainable_params = 0;
  int64_t non_trainable_params = 0;
  /// The table (torchinfo's layout; frozen counts in parentheses, as torchinfo shows them).
  std::string str() const;
};

/// Runs `model` once on zeros of `input_shape` (the dtype and device of its first parameter),
/// in evaluation mode and without recording a graph, with a forward hook on every module;
/// restores each module's train/eval setting and removes the hooks afterwards.
ModelSummary summary(Module& model, const Shape& input_shape);

std::ostream& operator<<(std::ostream& out, const ModelSummary& summary);

}  // namespace minidl::nn
