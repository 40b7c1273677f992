// Models by name ("small_cnn", "resnet9", "resnet18", "mlp") for command lines and
// checkpoints, and load_pretrained: a safetensors file (e.g. converted from PyTorch by
// scripts/export_torch_weights.py) loaded into a fresh model, with key prefixes renamed.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "layers/module.h"

namespace minidl::models {

/// What every registered model understands. dropout: nullopt keeps the model's default
/// (small_cnn 0.25, mlp 0); resnet9 and resnet18 have no dropout and reject a positive value.
/// mlp: sizes {3072, 512w, 256w, num_classes}.
struct ModelOptions {
  int64_t num_classes = 10;
  double width = 1.0;
  std::optional<double> dropout = std::nullopt;
};

using ModelFactory = std::function<std::shared_ptr<nn::Module>(const ModelOptions&)>;

/// A fresh model (default initialization, training mode); ValueError listing the known
/// names when `name` is unknown.
std::shared_ptr<nn::Module> create(const std::string& name, const ModelOptions& options = {});
/// The registered names, sorted.
std::vector<std::string> names();
/// Adds (or replaces) a factory, e.g. for a model of an example program.
void register_model(const std::string& name, ModelFactory factory);

struct LoadOptions {
  /// Key prefix -> replacement, applied before matching: {"module.", ""} strips
  /// DataParallel's prefix, {"backbone.", ""} a wrapper's. The longest matching prefix wins.
  std::map<std::string, std::string> rename_prefixes = {};
  /// true: any missing, unexpected or mis-shaped key throws ValueError naming them all
  /// (and the file); false: the matching tensors are loaded and the rest reported.
  bool strict = true;
};

struct Pretrained {
  std::shared_ptr<nn::Module> model;
  nn::LoadReport report;
};

/// create(name, options), then the file's tensors (renamed) copied in, cast to the model's dtypes.
Pretrained load_pretrained(const std::string& name, const std::string& path, const ModelOptions& options = {},
                           const LoadOptions& load = {});

/// Writes the model's weights alone (its state dict: PyTorch's keys, no prefix, BatchNorm's
/// num_batches_tracked as int64), atomically, as a safetensors file that load_pretrained and
/// PyTorch's load_state_dict(strict=True) (through scripts/export_torch_weights.py to-torch) accept.
void save_weights(const nn::Module& model, const std::string& path);

/// The renaming load_pretrained applies; ValueError if two keys end up with the same name.
nn::StateDict rename_keys(const nn::StateDict& state,
                          const std::map<std::string, std::string>& rename_prefixes);

}  // namespace minidl::models
