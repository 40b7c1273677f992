#include "optim/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace minidl::optim::lr {
namespace {
double cosine(double start, double end, double fraction) {
  return end + (start - end) / 2.0 * (1.0 + std::cos(std::numbers::pi * fraction));
}
}  // namespace

Scheduler::Scheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (std::size_t g = 0; g < optimizer.num_groups(); ++g) base_lrs_.push_back(optimizer.lr(g));
}

void Scheduler::step() {
  ++last_epoch_;
  apply();
}

void Scheduler::apply() {
  last_lr_.clear();
  for (std::size_t g = 0; g < base_lrs_.size(); ++g) {
    const double value = lr_at(last_epoch_, base_lrs_[g]);
    optimizer_.set_lr(g, value);
    last_lr_.push_back(value);
  }
}

std::map<std::string, double> Scheduler::state_dict() const {
  std::map<std::string, double> state{{"last_epoch", static_cast<double>(last_epoch_)}};
  for (std::size_t g = 0; g < base_lrs_.size(); ++g) state["base_lr." + std::to_string(g)] = base_lrs_[g];
  return state;
}

void Scheduler::load_state_dict(const std::map<std::string, double>& state) {
  const auto found = state.find("last_epoch");
  MINIDL_CHECK(found != state.end(), ValueError, "scheduler state has no last_epoch");
  // A file's value: casting a non-integer or out-of-range double to int64 is undefined (fuzzed).
  const double last_epoch = found->second;
  MINIDL_CHECK(std::isfinite(last_epoch) && last_epoch == std::floor(last_epoch) && last_epoch >= -1 &&
                   last_epoch <= 9007199254740992.0,
               ValueError, "scheduler state: last_epoch ", last_epoch, " is not a whole number in [-1, 2^53]");
  last_epoch_ = static_cast<int64_t>(last_epoch);
  for (std::size_t g = 0; g < base_lrs_.size(); ++g) {
    const auto base = state.find("base_lr." + std::to_string(g));
    MINIDL_CHECK(base != state.end(), ValueError, "scheduler state has no base_lr.", g);
    base_lrs_[g] = base->second;
  }
  apply();
}

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : Scheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  MINIDL_CHECK(step_size > 0, ValueError, "StepLR: step_size must be positive, got ", step_size);
  initialize();
}
double StepLR::lr_at(int64_t epoch, double base_lr) const {
  return base_lr * std::pow(gamma_, static_cast<double>(epoch / step_size_));
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : Scheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  std::sort(milestones_.begin(), milestones_.end());
  initialize();
}
double MultiStepLR::lr_at(int64_t epoch, double base_lr) const {
  const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), epoch) - milestones_.begin();
  return base_lr * std::pow(gamma_, static_cast<double>(passed));
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : Scheduler(optimizer), gamma_(gamma) {
  initialize();
}
double ExponentialLR::lr_at(int64_t epoch, double base_lr) const {
  return base_lr * std::pow(gamma_, static_cast<double>(epoch));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min)
    : Scheduler(optimizer), t_max_(t_max), eta_min_(eta_min) {
  MINIDL_CHECK(t_max > 0, ValueError, "CosineAnnealingLR: T_max must be positive, got ", t_max);
  initialize();
}
double CosineAnnealingLR::lr_at(int64_t epoch, double base_lr) const {
  return cosine(base_lr, eta_min_, static_cast<double>(epoch) / static_cast<double>(t_max_));
}

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t t_0, int64_t t_mult,
                                                         double eta_min)
    : Scheduler(optimizer), t_0_(t_0), t_mult_(t_mult), eta_min_(eta_min) {
  MINIDL_CHECK(t_0 > 0 && t_mult >= 1, ValueError, "CosineAnnealingWarmRestarts: need T_0 > 0 and T_mult >= 1, got ",
               t_0, " and ", t_mult);
  initialize();
}
CosineAnnealingWarmRestarts::Cycle CosineAnnealingWarmRestarts::cycle_at(int64_t epoch) const {
  Cycle cycle{0, epoch, t_0_};
  while (cycle.t_cur >= cycle.t_i) {  // integer walk: exact, unlike PyTorch's log formula
    cycle.t_cur -= cycle.t_i;
    cycle.t_i *= t_mult_;
    ++cycle.index;
  }
  return cycle;
}
double CosineAnnealingWarmRestarts::lr_at(int64_t epoch, double base_lr) const {
  const Cycle cycle = cycle_at(epoch);
  return cosine(base_lr, eta_min_, static_cast<double>(cycle.t_cur) / static_cast<double>(cycle.t_i));
}

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters)
    : Scheduler(optimizer), start_factor_(start_factor), end_factor_(end_factor), total_iters_(total_iters) {
  MINIDL_CHECK(start_factor > 0 && start_factor <= 1 && end_factor >= 0 && end_factor <= 1, ValueError,
               "LinearLR: factors must lie in (0, 1] and [0, 1], got ", start_factor, " and ", end_factor);
  initialize();
}
double LinearLR::lr_at(int64_t epoch, double base_lr) const {
  const double progress = static_cast<double>(std::min(epoch, total_iters_)) / static_cast<double>(total_iters_);
  return base_lr * (start_factor_ + (end_factor_ - start_factor_) * progress);
}

InverseSqrtLR::InverseSqrtLR(Optimizer& optimizer, int64_t warmup_steps)
    : Scheduler(optimizer), warmup_(warmup_steps) {
  MINIDL_CHECK(warmup_steps > 0, ValueError, "InverseSqrtLR: warmup must be positive, got ", warmup_steps);
  initialize();
}
double InverseSqrtLR::lr_at(int64_t epoch, double base_lr) const {
  const auto e = static_cast<double>(epoch);
  const auto w = static_cast<double>(warmup_);
  return epoch < warmup_ ? base_lr * e / w : base_lr * std::sqrt(w / e);
}

OneCycleLR::OneCycleLR(Optimizer& optimizer, OneCycleOptions options) : Scheduler(optimizer), options_(options) {
  MINIDL_CHECK(options.total_steps > 0 && options.pct_start > 0 && options.pct_start < 1, ValueError,
               "OneCycleLR: need total_steps > 0 and 0 < pct_start < 1, got ", options.total_steps, " and ",
               options.pct_start);
  if (options_.cycle_momentum)
    MINIDL_CHECK(optimizer.momentum(0).has_value(), ValueError,
                 "OneCycleLR: cycle_momentum needs an optimizer with momentum (or Adam's beta1)");
  initialize();
}
double OneCycleLR::lr_at(int64_t epoch, double /*base_lr*/) const {
  const double initial = options_.max_lr / options_.div_factor;
  const double final_lr = initial / options_.final_div_factor;
  const double warm_end = options_.pct_start * static_cast<double>(options_.total_steps) - 1;
  const double end = static_cast<double>(options_.total_steps) - 1;
  const auto e = static_cast<double>(epoch);
  if (e <= warm_end) return cosine(initial, options_.max_lr, e / warm_end);
  return cosine(options_.max_lr, final_lr, (e - warm_end) / (end - warm_end));
}
double OneCycleLR::momentum_at(int64_t epoch) const {
  const double warm_end = options_.pct_start * static_cast<double>(options_.total_steps) - 1;
  const double end = static_cast<double>(options_.total_steps) - 1;
  const auto e = static_cast<double>(epoch);
  if (e <= warm_end) return cosine(options_.max_momentum, options_.base_momentum, e / warm_end);
  return cosine(options_.base_momentum, options_.max_momentum, (e - warm_end) / (end - warm_end));
}
void OneCycleLR::apply() {
  MINIDL_CHECK(last_epoch_ <= options_.total_steps, ValueError, "OneCycleLR: stepped ", last_epoch_,
               " times, more than total_steps = ", options_.total_steps);
  Scheduler::apply();
  if (!options_.cycle_momentum) return;
  for (std::size_t g = 0; g < optimizer_.num_groups(); ++g) optimizer_.set_momentum(g, momentum_at(last_epoch_));
}

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<Scheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : Scheduler(optimizer), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  MINIDL_CHECK(!schedulers_.empty() && milestones_.size() + 1 == schedulers_.size(), ValueError,
               "SequentialLR: expected one milestone fewer than schedulers, got ", milestones_.size(), " and ",
               schedulers_.size());
  // The children were built on the same optimizer and moved its lr: start again from their bases.
  base_lrs_ = schedulers_.front()->base_lrs();
  initialize();
}
double SequentialLR::lr_at(int64_t epoch, double base_lr) const {
  const auto index = std::upper_bound(milestones_.begin(), milestones_.end(), epoch) - milestones_.begin();
  const int64_t start = index == 0 ? 0 : milestones_[index - 1];
  return schedulers_[index]->lr_at(epoch - start, base_lr);
}

}  // namespace minidl::optim::lr
