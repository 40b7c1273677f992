#include "config.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/device.h"
#include "core/error.h"
#include "core/parallel.h"
#include "core/text.h"
#include "data/augment.h"
#include "models/registry.h"
#include "train/checkpoint.h"

namespace cifar10 {
namespace {
namespace fs = std::filesystem;

std::string num(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// A real number in a stated interval; `low_open`/`high_open` exclude the ends. NaN and
// infinities are never in range.
CLI::Validator number_in(double low, bool low_open, double high, bool high_open) {
  const std::string range = std::string(low_open ? "(" : "[") + num(low) + ", " + num(high) + (high_open ? ")" : "]");
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double value = 0;
        try {
          std::size_t used = 0;
          value = std::stod(text, &used);
          if (used != text.size()) return "'" + text + "' is not a number";
        } catch (const std::exception&) {
          return "'" + text + "' is not a number";
        }
        const bool inside = std::isfinite(value) && (low_open ? value > low : value >= low) &&
                            (high_open ? value < high : value <= high);
        return inside ? std::string() : "value " + text + " is not in " + range;
      },
      "in " + range);
}

// A whole number from `low` to `high`.
CLI::Validator whole_in(int64_t low, int64_t high) {
  const std::string range = std::to_string(low) + " to " + std::to_string(high);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        try {
          std::size_t used = 0;
          const long long value = std::stoll(text, &used);
          if (used == text.size() && value >= low && value <= high) return {};
        } catch (const std::exception&) {
        }
        return "value " + text + " is not a whole number from " + range;
      },
      range);
}

// Any 64-bit unsigned value, written in decimal without a sign.
CLI::Validator unsigned_64() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        if (digits) {
          errno = 0;
          std::strtoull(text.c_str(), nullptr, 10);
          if (errno == 0) return {};
        }
        return "value " + text + " is not a whole number from 0 to 18446744073709551615";
      },
      "0 to 2^64-1");
}

// `flag`'s file can be created or replaced: its directory exists and is writable, and it is not a
// directory itself.
void check_writable(const std::string& flag, const std::string& path) {
  if (path.empty()) return;
  const fs::path file(path);
  std::error_code error;
  const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  MINIDL_CHECK(fs::is_directory(dir, error), minidl::IOError, flag, " ", path, ": the directory ", dir.string(),
               " does not exist");
  MINIDL_CHECK(::access(dir.c_str(), W_OK | X_OK) == 0, minidl::IOError, flag, " ", path, ": the directory ",
               dir.string(), " is not writable");
  if (fs::exists(file, error)) {
    MINIDL_CHECK(!fs::is_directory(file, error), minidl::IOError, flag, " ", path, " is a directory");
    MINIDL_CHECK(::access(file.c_str(), W_OK) == 0, minidl::IOError, flag, " ", path, " is not writable");
  }
}

std::string flag_of(const std::string& key) {
  std::string flag = "--" + key;
  for (char& c : flag)
    if (c == '_') c = '-';
  return flag;
}

// A value as the current describe() writes it; older checkpoints wrote "0" for "all".
std::string normalized(const std::string& key, const std::string& value) {
  return key == "train_per_class" && value == "0" ? "all" : value;
}
}  // namespace

std::vector<std::pair<std::string, std::string>> Config::describe() const {
  return {{"model", model},
          {"width", num(width)},
          {"epochs", std::to_string(epochs)},
          {"batch_size", std::to_string(batch_size)},
          {"optimizer", optimizer},
          {"lr", num(lr)},
          {"momentum", num(momentum)},
          {"schedule", schedule},
          {"weight_decay", num(weight_decay)},
          {"l1", num(l1)},
          {"label_smoothing", num(label_smoothing)},
          {"dropout", dropout ? num(*dropout) : "default"},
          {"dropconnect", num(dropconnect)},
          {"augment", augment},
          {"ema", ema ? num(*ema) : "off"},
          {"tta", tta ? "on" : "off"},
          {"seed", std::to_string(seed)},
          {"train_per_class", train_per_class ? std::to_string(*train_per_class) : "all"}};
}

std::optional<Config> parse_args(int argc, char** argv, int& exit_code) {
  Config c;
  CLI::App app{
      "Train a CIFAR-10 classifier with minidl. Prints 'final test_acc=... train_s=... imgs_per_s=...'.\n"
      "Every number is checked against the range shown before any work starts."};
  // A flag given twice takes its last value, so scripts can set defaults that users override.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--data", c.data_dir,
                 "CIFAR-10 binary folder (else $CIFAR10_DIR, else data/cifar-10-batches-bin)");
  app.add_flag("--subset-data", c.subset_data,
               "accept CIFAR files with fewer records than the official 10,000 each (a subset made on purpose)");
  app.add_option("--device", c.device, "cpu, cuda or cuda:N (default: cuda when available)");
  app.add_option("--model", c.model)->capture_default_str()->check(CLI::IsMember(minidl::models::names()));
  app.add_option("--width", c.width, "channel width multiplier")->capture_default_str()->check(number_in(0, true, 16, false));
  app.add_option("--epochs", c.epochs)->capture_default_str()->check(whole_in(1, 100000));
  app.add_option("--stop-after", c.stop_after,
                 "stop after this many epochs (the schedule still spans --epochs); continue with --resume")
      ->check(whole_in(1, 100000));
  app.add_option("--batch-size", c.batch_size)->capture_default_str()->check(whole_in(1, 65536));
  app.add_option("--optimizer", c.optimizer)
      ->capture_default_str()
      ->check(CLI::IsMember({"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"}));
  app.add_option("--lr", c.lr, "learning rate (one-cycle: the peak)")
      ->capture_default_str()
      ->check(number_in(0, true, 100, false));
  app.add_option("--momentum", c.momentum, "for momentum, nesterov, rmsprop")
      ->capture_default_str()
      ->check(number_in(0, false, 1, true));
  app.add_option("--schedule", c.schedule, "onecycle | cosine | step (x0.1 at 50% and 75%) | none")
      ->capture_default_str()
      ->check(CLI::IsMember({"onecycle", "cosine", "step", "none"}));
  app.add_option("--weight-decay", c.weight_decay, "L2 on weights (not biases or batch norm)")
      ->capture_default_str()
      ->check(number_in(0, false, 1, false));
  app.add_option("--l1", c.l1, "L1 strength on weights (elastic net with --weight-decay)")
      ->capture_default_str()
      ->check(number_in(0, false, 1, false));
  app.add_option("--label-smoothing", c.label_smoothing)->capture_default_str()->check(number_in(0, false, 1, true));
  app.add_option("--dropout", c.dropout, "dropout probability of the model's head")->check(number_in(0, false, 1, true));
  app.add_option("--dropconnect", c.dropconnect, "DropConnect probability on the classifier's weights (small_cnn)")
      ->check(number_in(0, false, 1, true));
  app.add_option("--augment", c.augment, "comma list: crop, crop-reflect, resized-crop, flip, jitter, none")
      ->capture_default_str();
  app.add_option("--ema", c.ema, "evaluate Polyak/EMA weights with this decay too (e.g. 0.999)")
      ->check(number_in(0, true, 1, true));
  app.add_flag("--tta", c.tta, "average predictions over the image and its mirror at test time");
  app.add_option("--seed", c.seed, "any 64-bit unsigned value")->capture_default_str()->check(unsigned_64());
  app.add_option("--threads", c.threads, "CPU threads (default: all cores)")
      ->check(whole_in(1, minidl::max_num_threads()));
  app.add_option("--train-per-class", c.train_per_class, "use only the first N training images of each class")
      ->check(whole_in(1, 5000));
  app.add_option("--test-limit", c.test_limit, "evaluate on the first N test images only")->check(whole_in(1, 10000));
  app.add_option("--max-loss-rise", c.max_loss_rise,
                 "stop when the training loss exceeds this many times its start (the larger of the first "
                 "loss and ln(classes)); a warning comes at its square root; 0: never")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return text == "0" ? std::string() : number_in(1, true, 1e6, false)(text);
          },
          "0 or in (1, 1e6]"));
  app.add_option("--checkpoint", c.checkpoint, "save a training checkpoint here after every epoch");
  app.add_option("--resume", c.resume, "continue the run saved in this checkpoint (with the same settings)");
  app.add_flag("--resume-override", c.resume_override,
               "let --resume continue with settings that differ from the checkpoint's (not the model)");
  app.add_option("--metrics", c.metrics, "write per-epoch metrics here (JSON lines; --resume continues the file)");
  app.add_option("--report", c.report, "write an HTML report with charts here");
  app.add_option("--save-model", c.save_model,
                 "write the trained model's weights alone here (safetensors, PyTorch state_dict keys)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e);
    return std::nullopt;
  }
  if (c.stop_after && *c.stop_after > c.epochs) {
    std::cerr << "--stop-after: " << *c.stop_after << " is more than --epochs " << c.epochs << "\n";
    exit_code = 2;
    return std::nullopt;
  }
  return c;
}

std::vector<std::string> resume_conflicts(const std::vector<std::pair<std::string, std::string>>& saved,
                                          const Config& config, bool* architecture_differs) {
  std::vector<std::string> conflicts;
  bool architecture = false;
  for (const auto& [key, now] : config.describe()) {
    const auto found = std::find_if(saved.begin(), saved.end(), [&key = key](const auto& e) { return e.first == key; });
    if (found == saved.end()) continue;  // a setting older checkpoints did not record
    const std::string before = normalized(key, found->second);
    if (before == now) continue;
    conflicts.push_back(flag_of(key) + " " + before + " -> " + now);
    architecture = architecture || key == "model" || key == "width";
  }
  if (architecture_differs) *architecture_differs = architecture;
  return conflicts;
}

std::vector<std::string> check_before_work(const Config& c) {
  if (!c.device.empty()) {
    try {
      minidl::check_device(minidl::Device::parse(c.device));
    } catch (const minidl::Error& e) {
      throw minidl::ValueError("--device " + c.device + ": " + e.what());
    }
  }
  try {
    minidl::data::Augment::parse(c.augment);
  } catch (const minidl::Error& e) {
    throw minidl::ValueError("--augment " + c.augment + ": " + e.what());
  }
  check_writable("--checkpoint", c.checkpoint);
  check_writable("--metrics", c.metrics);
  check_writable("--report", c.report);
  check_writable("--save-model", c.save_model);
  const std::pair<const char*, const std::string*> outputs[] = {{"--checkpoint", &c.checkpoint},
                                                                {"--metrics", &c.metrics},
                                                                {"--report", &c.report},
                                                                {"--save-model", &c.save_model}};
  for (std::size_t i = 0; i < std::size(outputs); ++i)
    for (std::size_t j = i + 1; j < std::size(outputs); ++j)
      MINIDL_CHECK(outputs[i].second->empty() || *outputs[i].second != *outputs[j].second, minidl::ValueError,
                   outputs[i].first, " and ", outputs[j].first, " name the same file ", *outputs[i].second);
  if (c.resume.empty()) return {};
  minidl::io::Metadata metadata;
  try {
    metadata = minidl::train::checkpoint_metadata(c.resume);
  } catch (const minidl::Error& e) {
    throw minidl::IOError(std::string("--resume: ") + e.what());
  }
  bool architecture = false;
  const std::vector<std::string> conflicts =
      resume_conflicts({metadata.begin(), metadata.end()}, c, &architecture);
  const std::string listed = minidl::detail::join(conflicts);
  MINIDL_CHECK(!architecture, minidl::ValueError, "--resume ", c.resume,
               " was written for another model (", listed, "); its weights cannot continue in this one");
  MINIDL_CHECK(conflicts.empty() || c.resume_override, minidl::ValueError, "--resume ", c.resume,
               " was written with other settings (", listed,
               "); pass the checkpoint's values, or --resume-override to continue with the new ones");
  return conflicts;
}

std::string resolve_data_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("CIFAR10_DIR"); env && *env) return env;
  return "data/cifar-10-batches-bin";
}

}  // namespace cifar10
