// The HTML training report: one self-contained file (inline SVG and CSS, no
// scripts, fonts or network) with charts of loss, accuracy and learning rate per
// epoch (and loss per step), the final numbers and the run's configuration.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "train/metrics.h"

namespace minidl::train {

struct ReportData {
  std::string title = "Training report";
  std::vector<EpochRecord> epochs;
  /// Loss of every optimizer step in order (optional); long runs are averaged into bins.
  std::vector<double> step_loss;
  /// Run configuration shown as a table (model, optimizer, lr, batch size, seed, ...).
  std::vector<std::pair<std::string, std::string>> config;
};

/// Most points the per-step chart draws; more steps are averaged in equal bins.
inline constexpr std::size_t kMaxStepPoints = 1000;

/// The whole HTML document. Markup is XML-well-formed (void elements self-closed).
std::string render_report(const ReportData& data);
/// Writes render_report(data) atomically.
void write_report(const std::string& path, const ReportData& data);

/// (step, mean loss) pairs: the losses as they are when at most max_points, else bin means
/// with x at the bin's centre (steps count from 1).
std::pair<std::vector<double>, std::vector<double>> bin_step_loss(const std::vector<double>& loss,
                                                                  std::size_t max_points = kMaxStepPoints);

}  // namespace minidl::train
