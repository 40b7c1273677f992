#include "config.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <sstream>

namespace cifar10 {

std::vector<std::pair<std::string, std::string>> Config::describe() const {
  auto num = [](double v) {
    std::ostringstream out;
    out << v;
    return out.str();
  };
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
          {"train_per_class", std::to_string(train_per_class)}};
}

std::optional<Config> parse_args(int argc, char** argv, int& exit_code) {
  Config c;
  CLI::App app{
      "Train a CIFAR-10 classifier with minidl. Prints 'final test_acc=... train_s=... imgs_per_s=...'."};
  // A flag given twice takes its last value, so scripts can set defaults that users override.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--data", c.data_dir,
                 "CIFAR-10 binary folder (else $CIFAR10_DIR, else data/cifar-10-batches-bin)");
  app.add_option("--device", c.device, "cpu, cuda or cuda:N (default: cuda when available)");
  app.add_option("--model", c.model, "small_cnn | resnet9 | resnet18 | mlp")->capture_default_str();
  app.add_option("--width", c.width, "channel width multiplier")->capture_default_str();
  app.add_option("--epochs", c.epochs)->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--stop-after", c.stop_after,
                 "stop after this many epochs (the schedule still spans --epochs); continue with --resume");
  app.add_option("--batch-size", c.batch_size)->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--optimizer", c.optimizer)
      ->capture_default_str()
      ->check(CLI::IsMember({"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"}));
  app.add_option("--lr", c.lr, "learning rate (one-cycle: the peak)")->capture_default_str();
  app.add_option("--momentum", c.momentum, "for momentum, nesterov, rmsprop")->capture_default_str();
  app.add_option("--schedule", c.schedule, "onecycle | cosine | step (x0.1 at 50% and 75%) | none")
      ->capture_default_str()
      ->check(CLI::IsMember({"onecycle", "cosine", "step", "none"}));
  app.add_option("--weight-decay", c.weight_decay, "L2 on weights (not biases or batch norm)")
      ->capture_default_str();
  app.add_option("--l1", c.l1, "L1 strength on weights (elastic net with --weight-decay)")
      ->capture_default_str();
  app.add_option("--label-smoothing", c.label_smoothing)->capture_default_str();
  app.add_option("--dropout", c.dropout, "dropout probability of the model's head");
  app.add_option("--dropconnect", c.dropconnect,
                 "DropConnect probability on the classifier's weights (small_cnn)");
  app.add_option("--augment", c.augment, "comma list: crop, crop-reflect, resized-crop, flip, jitter, none")
      ->capture_default_str();
  app.add_option("--ema", c.ema, "evaluate Polyak/EMA weights with this decay too (e.g. 0.999)");
  app.add_flag("--tta", c.tta, "average predictions over the image and its mirror at test time");
  app.add_option("--seed", c.seed)->capture_default_str();
  app.add_option("--threads", c.threads, "CPU threads (default: all cores)");
  app.add_option("--train-per-class", c.train_per_class,
                 "use only the first N training images of each class");
  app.add_option("--test-limit", c.test_limit, "evaluate on the first N test images only");
  app.add_option("--checkpoint", c.checkpoint, "save a training checkpoint here after every epoch");
  app.add_option("--resume", c.resume, "continue the run saved in this checkpoint");
  app.add_option("--metrics", c.metrics, "append per-epoch metrics here (JSON lines)");
  app.add_option("--report", c.report, "write an HTML report with charts here");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e);
    return std::nullopt;
  }
  return c;
}

std::string resolve_data_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("CIFAR10_DIR"); env && *env) return env;
  return "data/cifar-10-batches-bin";
}

}  // namespace cifar10
