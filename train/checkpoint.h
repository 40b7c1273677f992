// Training checkpoints: ONE safetensors file holding everything a run needs to go
// on exactly where it stopped — model state dict ("model.<name>"), optimizer state
// ("optimizer.<key>"), scheduler state (float64 scalars "scheduler.<key>"), other
// state ("extra.<name>.<key>"), and in "__metadata__" the epoch, the step, the
// (seed, offset) of the default CPU/CUDA generators and the run's own metadata.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "core/io/safetensors.h"
#include "layers/module.h"
#include "optim/lr_scheduler.h"

namespace minidl::train {

/// Saves and restores some object's tensors by key (an optimizer, an EMA, ...).
struct StateHandle {
  std::function<io::TensorMap()> save = {};
  std::function<void(const io::TensorMap&)> load = {};
  explicit operator bool() const { return save && load; }
};

/// A handle on anything with state_dict() -> map<string, Tensor> and load_state_dict(map):
/// every optim::FusedOptimizer (SGD, Adam, ...).
template <typename T> StateHandle state_handle(T& object) {
  return {[&object] {
            io::TensorMap out;
            for (auto& [key, tensor] : object.state_dict()) out.emplace(key, tensor);
            return out;
          },
          [&object](const io::TensorMap& state) {
            object.load_state_dict({state.begin(), state.end()});
          }};
}

/// What a checkpoint saves and restores. References and pointers name live objects;
/// epoch, step and metadata are values that load_checkpoint overwrites.
struct TrainingState {
  nn::Module& model;
  StateHandle optimizer = {};                     // empty: no optimizer state
  optim::lr::Scheduler* scheduler = nullptr;      // optional
  std::map<std::string, StateHandle> extra = {};  // named additional state (e.g. "ema")
  int64_t epoch = 0;                              // as the caller counts (e.g. epochs completed)
  int64_t step = 0;                               // optimizer steps completed
  io::Metadata metadata = {};                     // the run's config; keys must not start with "minidl."
  bool generators = true;                         // save/restore the default CPU and CUDA generators
};

/// Writes the checkpoint atomically: a failed save leaves the previous file in place.
void save_checkpoint(const std::string& path, const TrainingState& state);

/// Restores everything saved. Throws IOError naming the file when it is missing, truncated or
/// not a training checkpoint, and ValueError naming the keys when the model's parameters are
/// missing, unexpected or of another shape/dtype, or a part of the state is absent. The model,
/// scheduler and generator entries are all checked before anything is changed.
/// Every entry of a part that is loaded must be expected: an unexpected model, optimizer or
/// scheduler key (a misspelling, another model's layer) is an error naming it, never silently
/// ignored; so is a key outside the four parts. Parts the state does not ask for (no optimizer
/// handle, no scheduler, extras it does not name) are not read.
/// When the file's metadata and `state.metadata` both name a "model" and they differ, the error
/// says so first ("written for model 'mlp', this run's model is 'small_cnn'").
void load_checkpoint(const std::string& path, TrainingState& state);
/// The same for a checkpoint already in memory; `source` names it in errors (the fuzz target's
/// entry point).
void load_checkpoint(const io::Safetensors& file, const std::string& source, TrainingState& state);

/// Only the run's metadata of a checkpoint (e.g. to compare configs before --resume).
io::Metadata checkpoint_metadata(const std::string& path);

/// The in-memory form save_checkpoint writes (tensors by full key, metadata incl. "minidl.*").
io::Safetensors checkpoint_contents(const TrainingState& state);

}  // namespace minidl::train
