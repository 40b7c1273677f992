// Snapshot ensembles (Huang et al. 2017, "Snapshot Ensembles: Train 1, get M for free"):
// train once under cosine annealing with warm restarts, save the model at the end of each
// cycle (where the lr is lowest), and at test time average the snapshots' softmax outputs.
//   lr::CosineAnnealingWarmRestarts schedule(sgd, steps_per_cycle);
//   optim::SnapshotEnsemble snapshots(model, schedule, {.directory = "runs/x"});
//   per batch: ...; sgd.step(); schedule.step(); snapshots.step();
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "layers/ensemble.h"
#include "optim/lr_scheduler.h"

namespace minidl::optim {

struct SnapshotOptions {
  /// Non-empty: each snapshot is also written, atomically, to <directory>/<prefix>_<k>.safetensors.
  std::string directory = "";
  std::string prefix = "snapshot";
};

/// Makes a fresh model of the snapshotted architecture (e.g. [] { return models::create("small_cnn"); }).
using ModelMaker = std::function<std::shared_ptr<nn::Module>()>;

class SnapshotEnsemble {
 public:
  /// Both are referenced, not copied: they must outlive this object.
  SnapshotEnsemble(nn::Module& model, const lr::CosineAnnealingWarmRestarts& scheduler,
                   SnapshotOptions options = {});

  /// Call after each scheduler.step(): when that step began a new cycle, the model holds the end of
  /// the previous one and a snapshot is taken (once per restart, however often this is called).
  /// Returns whether one was taken.
  bool step();
  /// Takes a snapshot now, e.g. when training stops at the end of a cycle before the restart step.
  void take_snapshot();

  /// Deep copies of the model's state dict (on the model's device), oldest first.
  const std::vector<nn::StateDict>& snapshots() const { return snapshots_; }
  /// The scheduler's step count at each snapshot.
  const std::vector<int64_t>& snapshot_steps() const { return steps_; }
  /// The files written (empty without a directory).
  const std::vector<std::string>& files() const { return files_; }

  /// An Ensemble (in eval mode) of make_model() copies loaded with the latest `last` snapshots (0: all).
  std::shared_ptr<nn::Ensemble> ensemble(const ModelMaker& make_model, std::size_t last = 0) const;
  /// The ensemble's prediction, log of the mean softmax, without extra models: loads each of the
  /// latest `last` snapshots (0: all) into the model in turn, in eval mode and without gradient,
  /// then puts the live weights and the training mode back.
  Tensor predict(const Tensor& input, std::size_t last = 0);

 private:
  nn::Module& model_;
  const lr::CosineAnnealingWarmRestarts& scheduler_;
  SnapshotOptions options_;
  std::vector<nn::StateDict> snapshots_;
  std::vector<int64_t> steps_;
  std::vector<std::string> files_;
};

/// An Ensemble (in eval mode) of make_model() copies loaded (strictly) from snapshot files.
std::shared_ptr<nn::Ensemble> ensemble_from_files(const std::vector<std::string>& paths,
                                                  const ModelMaker& make_model);

}  // namespace minidl::optim
