// Stopping a run whose loss has left the rails, as the lecture's "babysitting the
// learning process" advises: a NaN or infinite loss ends training at once, and so
// does a loss far above where it started (Lightning's divergence_threshold, made
// relative); a milder rise gives one warning first. The reference is the larger of
// the first loss seen and ln(classes), the loss of a uniform guess, so a resumed
// run that starts near 0.1 is not stopped by an ordinary bump.
#pragma once

#include <cstdint>
#include <ostream>

#include "core/error.h"

namespace minidl::train {

/// Training stopped because its loss diverged (the message names step, epoch and lr).
class TrainingDivergedError : public Error { using Error::Error; };

struct LossWatchOptions {
  double max_rise = 10;         ///< stop above max_rise x reference; 0: only non-finite losses stop
  double reference_floor = 0;   ///< the reference is at least this (e.g. ln(num_classes))
};

class LossWatch {
 public:
  /// Warnings go to `warnings` (nullptr: none). ValueError when max_rise is neither 0 nor > 1.
  explicit LossWatch(LossWatchOptions options, std::ostream* warnings = nullptr);
  /// Throws TrainingDivergedError for a non-finite loss or one above max_rise x reference;
  /// warns once when a loss first exceeds sqrt(max_rise) x reference. `step` counts optimizer
  /// steps from 1, `epoch` from 1.
  void observe(double loss, int64_t step, int64_t epoch, double lr);
  /// The reference loss (0 before the first observe).
  double reference() const { return reference_; }
  bool warned() const { return warned_; }

 private:
  LossWatchOptions options_;
  std::ostream* warnings_;
  double reference_ = 0;
  bool started_ = false;
  bool warned_ = false;
};

}  // namespace minidl::train
