// Learning-rate schedules with torch.optim.lr_scheduler's semantics and
// defaults (docs/formulas.md). Each is a closed form lr(e, base_lr) of its step
// count e; constructing one sets the lr for e = 0, step() advances e by one.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "optim/optimizer.h"

namespace minidl::optim::lr {

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  /// Advances the step count and writes the new lr (and momentum, for one-cycle) into each group.
  void step();
  /// The lr of each group after the last step (PyTorch's get_last_lr()).
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  /// The groups' lrs when the schedule was built.
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  /// The lr this schedule gives group `group` at step count `epoch`.
  virtual double lr_at(int64_t epoch, double base_lr) const = 0;

  /// {"last_epoch", "base_lr.0", ...}: enough to resume exactly.
  std::map<std::string, double> state_dict() const;
  void load_state_dict(const std::map<std::string, double>& state);

 protected:
  /// Records the groups' current lrs as base lrs; the derived constructor calls initialize().
  explicit Scheduler(Optimizer& optimizer);
  void initialize() { apply(); }
  /// Writes lrs for last_epoch_ (derived classes may also set momentum).
  virtual void apply();

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  std::vector<double> last_lr_;
  int64_t last_epoch_ = 0;
};

/// base * gamma^floor(e / step_size).
class StepLR : public Scheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  int64_t step_size_;
  double gamma_;
};

/// base * gamma^(number of milestones <= e).
class MultiStepLR : public Scheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  std::vector<int64_t> milestones_;
  double gamma_;
};

/// base * gamma^e.
class ExponentialLR : public Scheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  double gamma_;
};

/// eta_min + (base - eta_min) * (1 + cos(pi * e / T_max)) / 2.
class CosineAnnealingLR : public Scheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min = 0.0);
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  int64_t t_max_;
  double eta_min_;
};

/// Cosine within cycles of length T_0, T_0*T_mult, ...: the snapshot-ensemble schedule.
class CosineAnnealingWarmRestarts : public Scheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t t_0, int64_t t_mult = 1, double eta_min = 0.0);
  double lr_at(int64_t epoch, double base_lr) const override;
  /// Position of step count e: the cycle index, the step within it, and the cycle length.
  struct Cycle {
    int64_t index;
    int64_t t_cur;
    int64_t t_i;
  };
  Cycle cycle_at(int64_t epoch) const;
  /// True when the last step() started a new cycle (a snapshot is due at the end of the previous one).
  bool restarted() const { return last_epoch_ > 0 && cycle_at(last_epoch_).t_cur == 0; }

 private:
  int64_t t_0_;
  int64_t t_mult_;
  double eta_min_;
};

/// Factor moving linearly from start_factor to end_factor over total_iters steps, then constant.
class LinearLR : public Scheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5);
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  double start_factor_;
  double end_factor_;
  int64_t total_iters_;
};

/// Linear warmup over w steps (base * e / w), then base * sqrt(w / e).
class InverseSqrtLR : public Scheduler {
 public:
  InverseSqrtLR(Optimizer& optimizer, int64_t warmup_steps);
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  int64_t warmup_;
};

struct OneCycleOptions {
  double max_lr = 0.1;
  int64_t total_steps = 100;
  double pct_start = 0.3;
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  bool cycle_momentum = true;
  double base_momentum = 0.85;
  double max_momentum = 0.95;
};

/// Cosine warmup from max_lr/div_factor to max_lr, then cosine annealing to
/// max_lr/(div_factor*final_div_factor); momentum cycles max -> base -> max.
class OneCycleLR : public Scheduler {
 public:
  OneCycleLR(Optimizer& optimizer, OneCycleOptions options);
  double lr_at(int64_t epoch, double base_lr) const override;
  double momentum_at(int64_t epoch) const;

 protected:
  void apply() override;

 private:
  OneCycleOptions options_;
};

/// Runs schedulers[0] until milestones[0], then schedulers[1] (its count restarting at 0), ...
class SequentialLR : public Scheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<Scheduler>> schedulers,
               std::vector<int64_t> milestones);
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  std::vector<std::shared_ptr<Scheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

}  // namespace minidl::optim::lr
