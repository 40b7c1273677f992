// The per-epoch metrics log: one JSON object per line (JSON Lines), appended and
// flushed after each epoch so a crashed or running job leaves a readable log.
// Numbers that are not available (no test set) are NaN in memory and null on disk.
#pragma once

#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace minidl::train {

inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

struct EpochRecord {
  int64_t epoch = 0;
  double train_loss = kNoValue;
  double train_acc = kNoValue;  // in [0, 1]
  double test_loss = kNoValue;
  double test_acc = kNoValue;
  double lr = kNoValue;
  double seconds = kNoValue;  // wall time of the epoch
  double images_per_s = kNoValue;
  /// Free-form numeric fields (e.g. "grad_norm", "ema_test_acc").
  std::map<std::string, double> extra;
  /// Free-form text fields (e.g. "note").
  std::map<std::string, std::string> text;
};

/// One JSON object (no newline); NaN numbers become null.
std::string to_json_line(const EpochRecord& record);
/// Parses one line; ValueError naming `where` when it is not a record.
EpochRecord parse_json_line(const std::string& line, const std::string& where = "<line>");

class MetricsLog {
 public:
  enum class Mode { Append, Truncate };
  /// Opens (creating) `path`; Append keeps earlier records (a resumed run), Truncate starts afresh.
  explicit MetricsLog(std::string path, Mode mode = Mode::Append);
  /// Writes one line and flushes it to the file.
  void append(const EpochRecord& record);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

/// Every record of a JSON Lines file, in order (blank lines skipped); IOError naming the file
/// (and line) when it cannot be read or a line is not a record.
std::vector<EpochRecord> read_metrics(const std::string& path);
/// The same for a log's bytes; `source` names them in errors (the fuzz target's entry point).
std::vector<EpochRecord> parse_metrics(const std::string& bytes, const std::string& source);

/// Rewrites `path` atomically keeping only records with epoch < `epoch`: on --resume from a
/// checkpoint taken after epoch-1, the records a crashed run logged later are dropped.
void keep_epochs_before(const std::string& path, int64_t epoch);

}  // namespace minidl::train
