#include "train/divergence.h"

#include <algorithm>
#include <cmath>

namespace minidl::train {

LossWatch::LossWatch(LossWatchOptions options, std::ostream* warnings) : options_(options), warnings_(warnings) {
  MINIDL_CHECK(options.max_rise == 0 || (std::isfinite(options.max_rise) && options.max_rise > 1), ValueError,
               "LossWatch: max_rise must be 0 (off) or above 1, got ", options.max_rise);
}

void LossWatch::observe(double loss, int64_t step, int64_t epoch, double lr) {
  const auto where = [&] { return detail::str_cat("at step ", step, " (epoch ", epoch, ", lr ", lr, ")"); };
  MINIDL_CHECK(std::isfinite(loss), TrainingDivergedError, "training diverged ", where(), ": the loss is ", loss,
               "; lower the learning rate, or resume from an earlier checkpoint");
  if (!started_) {
    started_ = true;
    reference_ = std::max(loss, options_.reference_floor);
    return;
  }
  if (options_.max_rise == 0) return;
  MINIDL_CHECK(loss <= options_.max_rise * reference_, TrainingDivergedError, "training diverged ", where(),
               ": the loss ", loss, " is more than ", options_.max_rise, " times its start ", reference_,
               "; lower the learning rate (or raise the limit of ", options_.max_rise, ")");
  if (!warned_ && loss > std::sqrt(options_.max_rise) * reference_) {
    warned_ = true;
    if (warnings_)
      *warnings_ << "warning: the loss " << loss << " " << where() << " is more than "
                 << std::sqrt(options_.max_rise) << " times its start " << reference_
                 << "; the run may be diverging (a lower learning rate helps)\n";
  }
}

}  // namespace minidl::train
