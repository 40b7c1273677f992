// The CIFAR-10 example's settings: every command-line flag, with the defaults of
// the recipe the README quotes (small_cnn, Nesterov, one-cycle, crop+flip).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cifar10 {

struct Config {
  std::string data_dir;  // --data, else $CIFAR10_DIR, else data/cifar-10-batches-bin
  std::string device;    // cpu | cuda | cuda:N; empty: cuda when available
  std::string model = "small_cnn";
  double width = 1.0;
  int epochs = 2;
  int stop_after = 0;  // stop after this many epochs (0: all); the schedule still spans `epochs`
  int batch_size = 128;
  std::string optimizer = "nesterov";  // sgd momentum nesterov adagrad rmsprop adam adamw
  double lr = 0.1;
  double momentum = 0.9;
  std::string schedule = "onecycle";  // onecycle cosine step none
  double weight_decay = 5e-4;
  double l1 = 0.0;
  double label_smoothing = 0.1;
  std::optional<double> dropout;
  double dropconnect = 0.0;  // DropConnect on the classifier's weights (small_cnn)
  std::string augment = "crop,flip";
  std::optional<double> ema;  // decay
  bool tta = false;
  uint64_t seed = 0;
  int threads = 0;
  int64_t train_per_class = 0;  // 0: the whole training set
  int64_t test_limit = 0;       // 0: the whole test set
  std::string checkpoint, resume, metrics, report;

  /// Flag/value pairs for reports, checkpoints and the resume check.
  std::vector<std::pair<std::string, std::string>> describe() const;
};

/// Parses argv into a Config; returns nullopt after printing help (or a usage error, with exit_code set).
std::optional<Config> parse_args(int argc, char** argv, int& exit_code);

/// Where to look for the data, in order: the flag, $CIFAR10_DIR, data/cifar-10-batches-bin.
std::string resolve_data_dir(const std::string& flag);

}  // namespace cifar10
