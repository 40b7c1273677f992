// Progress bar: counters and rate limiting. The text goes through snprintf so the
// numbers ignore the stream's locale and flags.
#include "train/progress.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace minidl::train {
namespace {
template <typename... Args> std::string format(const char* pattern, Args... args) {
  char buffer[128];
  std::snprintf(buffer, sizeof(buffer), pattern, args...);
  return buffer;
}
}  // namespace

double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

bool is_terminal(const std::ostream& out) {
  if (&out == &std::cerr || &out == &std::clog) return ::isatty(STDERR_FILENO) == 1;
  if (&out == &std::cout) return ::isatty(STDOUT_FILENO) == 1;
  return false;
}

std::string format_duration(double seconds) {
  const auto total = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  const int64_t h = total / 3600, m = total / 60 % 60, s = total % 60;
  if (h > 0)
    return format("%lld:%02lld:%02lld", static_cast<long long>(h), static_cast<long long>(m),
                  static_cast<long long>(s));
  return format("%lld:%02lld", static_cast<long long>(m), static_cast<long long>(s));
}

ProgressBar::ProgressBar(std::ostream& out, ProgressOptions options)
    : out_(out), options_(std::move(options)), terminal_(options_.terminal.value_or(is_terminal(out))) {
  if (!options_.clock) options_.clock = steady_seconds;
}

void ProgressBar::start_epoch(int64_t epoch, int64_t total_epochs, int64_t total_steps) {
  snap_ = ProgressSnapshot{.epoch = epoch, .total_epochs = total_epochs, .total_steps = total_steps};
  epoch_start_ = last_draw_ = options_.clock();
  loss_sum_ = loss_weight_ = correct_sum_ = accuracy_weight_ = 0;
  images_ = 0;
  drawn_width_ = 0;
  drawn_once_ = false;
}

void ProgressBar::refresh_times() {
  snap_.elapsed_s = options_.clock() - epoch_start_;
  snap_.images_per_s = snap_.elapsed_s > 0 ? static_cast<double>(images_) / snap_.elapsed_s : 0.0;
  const int64_t left = std::max<int64_t>(0, snap_.total_steps - snap_.step);
  snap_.eta_s =
      snap_.step > 0 ? snap_.elapsed_s / static_cast<double>(snap_.step) * static_cast<double>(left) : 0;
}

void ProgressBar::step(double loss, double accuracy, int64_t images) {
  const double weight = static_cast<double>(std::max<int64_t>(images, 1));
  ++snap_.step;
  images_ += images;
  loss_sum_ += loss * weight;
  loss_weight_ += weight;
  snap_.mean_loss = loss_sum_ / loss_weight_;
  if (accuracy >= 0) {
    correct_sum_ += accuracy * weight;
    accuracy_weight_ += weight;
    snap_.accuracy = correct_sum_ / accuracy_weight_;
  }
  const double since_draw = options_.clock() - last_draw_;
  const bool due = terminal_
                       ? (!drawn_once_ || since_draw >= options_.redraw_interval_s)
                       : (since_draw >= options_.line_interval_s ||
                          (options_.line_every_steps > 0 && snap_.step % options_.line_every_steps == 0));
  if (due) draw(false);
}

void ProgressBar::end_epoch(const std::string& suffix) {
  refresh_times();
  std::string text = line(true);
  if (!suffix.empty()) text += "  " + suffix;
  if (terminal_) {
    out_ << '\r' << text << std::string(drawn_width_ > text.size() ? drawn_width_ - text.size() : 0, ' ')
         << '\n';
  } else {
    out_ << text << '\n';
  }
  out_.flush();
  drawn_width_ = 0;
  last_draw_ = options_.clock();
}

void ProgressBar::draw(bool finished) {
  refresh_times();
  const std::string text = line(finished);
  if (terminal_) {
    // Spaces blank what a longer previous line left on screen; no escape codes needed.
    out_ << '\r' << text << std::string(drawn_width_ > text.size() ? drawn_width_ - text.size() : 0, ' ');
    drawn_width_ = text.size();
  } else {
    out_ << text << '\n';
  }
  out_.flush();
  drawn_once_ = true;
  last_draw_ = options_.clock();
}

std::string ProgressBar::line(bool finished) const {
  const auto ll = [](int64_t v) { return static_cast<long long>(v); };
  std::string text = format("epoch %lld/%lld", ll(snap_.epoch), ll(snap_.total_epochs));
  if (terminal_ && snap_.total_steps > 0) {
    constexpr int kWidth = 20;
    const int filled = static_cast<int>(std::min<int64_t>(kWidth, snap_.step * kWidth / snap_.total_steps));
    text += " [" + std::string(filled, '=') + std::string(kWidth - filled, ' ') + "]";
  }
  text += format(" step %lld/%lld", ll(snap_.step), ll(snap_.total_steps));
  text += format(" loss %.4f", snap_.mean_loss);
  if (snap_.accuracy >= 0) text += format(" acc %.2f%%", 100.0 * snap_.accuracy);
  text += format(" %.0f img/s", snap_.images_per_s);
  text += finished ? " time " + format_duration(snap_.elapsed_s) : " ETA " + format_duration(snap_.eta_s);
  return text;
}

}  // namespace minidl::train
