// A training progress bar: epoch, step/total, running loss and accuracy, images/s
// and ETA. On a terminal it redraws one line with '\r' (at most ~10 times a
// second); elsewhere (CI logs, files, pipes) it prints plain newline-terminated
// lines at a modest rate, with no control characters, and one line per epoch end.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

namespace minidl::train {

/// Seconds from an arbitrary origin that never goes backwards (tests inject a fake one).
using Clock = std::function<double()>;
/// std::chrono::steady_clock in seconds.
double steady_seconds();

/// True when `out` is std::cerr/std::clog on a terminal stderr, or std::cout on a terminal stdout.
bool is_terminal(const std::ostream& out);

struct ProgressOptions {
  /// Terminal redraws (nullopt: detect with is_terminal()).
  std::optional<bool> terminal;
  /// Terminal mode: the shortest time between two redraws.
  double redraw_interval_s = 0.1;
  /// Plain mode: a line after this many seconds since the last one...
  double line_interval_s = 10.0;
  /// ...or every this many steps (0: by time only).
  int64_t line_every_steps = 0;
  /// Where time comes from; steady_seconds() when empty.
  Clock clock;
};

/// Counters of the epoch in progress, as shown.
struct ProgressSnapshot {
  int64_t epoch = 0, total_epochs = 0;
  int64_t step = 0, total_steps = 0;
  double mean_loss = 0;     // image-weighted mean over the epoch so far
  double accuracy = -1;     // image-weighted mean, in [0, 1]; negative when never given
  double images_per_s = 0;  // since the epoch started
  double elapsed_s = 0;
  double eta_s = 0;  // from the mean step time so far
};

class ProgressBar {
 public:
  explicit ProgressBar(std::ostream& out, ProgressOptions options = {});

  /// Starts counting epoch `epoch` (1-based) of `total_epochs`, with `total_steps` steps.
  void start_epoch(int64_t epoch, int64_t total_epochs, int64_t total_steps);
  /// One finished step: its mean loss, its accuracy in [0, 1] (negative: none) and batch size.
  void step(double loss, double accuracy, int64_t images);
  /// Ends the line of the epoch with its totals; `suffix` is appended (e.g. "test_acc 91.2%").
  void end_epoch(const std::string& suffix = "");

  bool terminal() const { return terminal_; }
  const ProgressSnapshot& snapshot() const { return snap_; }
  /// The text of the current line (no '\r', no newline).
  std::string line(bool finished = false) const;

 private:
  void refresh_times();
  void draw(bool finished);

  std::ostream& out_;
  ProgressOptions options_;
  bool terminal_;
  ProgressSnapshot snap_;
  double epoch_start_ = 0, last_draw_ = 0;
  double loss_sum_ = 0, loss_weight_ = 0, correct_sum_ = 0, accuracy_weight_ = 0;
  int64_t images_ = 0;
  std::size_t drawn_width_ = 0;  // terminal: characters of the line on screen, to blank leftovers
  bool drawn_once_ = false;
};

/// "1:02:03", "4:05" or "0:07".
std::string format_duration(double seconds);

}  // namespace minidl::train
