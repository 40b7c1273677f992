// The CIFAR-10 example's settings: every command-line flag, with the defaults of
// the recipe the README quotes (small_cnn, Nesterov, one-cycle, crop+flip), and
// the checks that run before any work: every number in its stated range, every
// output path writable, and a --resume whose checkpoint agrees with the flags.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cifar10 {

struct Config {
  std::string data_dir;  // --data, else $CIFAR10_DIR, else data/cifar-10-batches-bin
  bool subset_data = false;  // accept CIFAR files with fewer records than the release's
  std::string device;    // cpu | cuda | cuda:N; empty: cuda when available
  std::string model = "small_cnn";
  double width = 1.0;
  int epochs = 2;
  std::optional<int> stop_after;  // stop after this many epochs; the schedule still spans `epochs`
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
  std::optional<int> threads;             // unset: all cores
  std::optional<int64_t> train_per_class;  // unset: the whole training set
  std::optional<int64_t> test_limit;       // unset: the whole test set
  double max_loss_rise = 10;               // stop when the loss exceeds this times its start; 0: never
  bool resume_override = false;            // --resume may change the training settings
  std::string checkpoint, resume, metrics, report;
  std::string save_model;  // the trained model's weights alone (PyTorch state_dict keys)

  /// Flag/value pairs for reports, checkpoints and the resume check.
  std::vector<std::pair<std::string, std::string>> describe() const;
};

/// Parses argv into a Config and checks every value's range; returns nullopt after printing
/// help or a usage error naming the flag (exit_code set: 0 for help, non-zero for an error).
std::optional<Config> parse_args(int argc, char** argv, int& exit_code);

/// Checks what parsing cannot: the device exists, --augment parses, every output path
/// (--checkpoint, --metrics, --report, --save-model) can be written, and --resume names a readable minidl
/// checkpoint whose settings agree with this run's (see resume_conflicts). Throws
/// minidl::ValueError / IOError naming the flag; runs before any data is read. Returns the
/// settings --resume-override lets differ from the checkpoint's (to be reported).
std::vector<std::string> check_before_work(const Config& config);

/// The settings in which `saved` (a checkpoint's metadata) and `config` differ, as
/// "--flag saved -> now" texts. The model and its width can never differ; the others may
/// when --resume-override is given.
std::vector<std::string> resume_conflicts(const std::vector<std::pair<std::string, std::string>>& saved,
                                          const Config& config, bool* architecture_differs = nullptr);

/// Where to look for the data, in order: the flag, $CIFAR10_DIR, data/cifar-10-batches-bin.
std::string resolve_data_dir(const std::string& flag);

}  // namespace cifar10
