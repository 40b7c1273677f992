#include "trainer.h"

#include <chrono>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "core/autograd.h"
#include "core/generator.h"
#include "core/ops/elementwise.h"
#include "core/ops/loss.h"
#include "core/ops/reduction.h"
#include "data/augment.h"
#include "data/loader.h"
#include "layers/linear.h"
#include "layers/transfer.h"
#include "models/registry.h"
#include "optim/averaging.h"
#include "setup.h"
#include "train/checkpoint.h"
#include "train/divergence.h"
#include "train/evaluate.h"
#include "train/metrics.h"
#include "train/step_metrics.h"
#include "train/progress.h"
#include "train/report.h"

namespace cifar10 {
namespace {

using minidl::Device;
using minidl::Tensor;
namespace data = minidl::data;
namespace train = minidl::train;

Device pick_device(const std::string& flag) {
  if (flag.empty()) return minidl::cuda_available() ? Device::cuda() : Device::cpu();
  return Device::parse(flag);
}

std::string ema_key(std::size_t i) { return std::string("p").append(std::to_string(i)); }

std::vector<std::pair<std::string, std::string>> metadata_of(const Config& c) { return c.describe(); }

}  // namespace

Result run(const Config& config, const data::ImageDataset& train_set, const data::ImageDataset& test_set,
           std::ostream& log) {
  const Device device = pick_device(config.device);
  minidl::check_device(device);
  minidl::manual_seed(config.seed);
  const data::ImageDataset train_data = train_set.to(device);
  const data::ImageDataset test_data = test_set.to(device);
  const data::Augment augment = data::Augment::parse(config.augment).with(data::Normalization::cifar10());
  const data::Augment plain = data::Augment::parse("none").with(data::Normalization::cifar10());

  auto model = minidl::models::create(
      config.model,
      {.num_classes = train_data.num_classes(), .width = config.width, .dropout = config.dropout});
  if (config.dropconnect > 0) {
    // DropConnect (Wan et al. 2013) on the classifier: one weight mask per forward pass.
    MINIDL_CHECK(config.model == "small_cnn", minidl::ValueError,
                 "--dropconnect is offered for small_cnn, not ", config.model);
    const Tensor weight = model->state_dict().at("classifier.1.weight");
    minidl::nn::replace_head(
        *model, "classifier.1",
        std::make_shared<minidl::nn::DropConnectLinear>(weight.size(1), weight.size(0), config.dropconnect));
  }
  model->to(device);
  OptimizerSetup opt = make_optimizer(config, *model);
  data::DataLoader loader(
      train_data,
      {.batch_size = config.batch_size, .seed = config.seed, .drop_last = true, .device = device});
  const int64_t steps_per_epoch = loader.num_batches();
  MINIDL_CHECK(steps_per_epoch > 0, minidl::ValueError, "the training set (", train_data.size(),
               " images) holds no full batch of ", config.batch_size);
  auto schedule = make_schedule(config, *opt.optimizer, steps_per_epoch * config.epochs);
  std::unique_ptr<minidl::optim::ExponentialMovingAverage> ema;
  if (config.ema)
    ema = std::make_unique<minidl::optim::ExponentialMovingAverage>(
        *model, minidl::optim::EmaOptions{.decay = *config.ema});

  train::TrainingState state{.model = *model, .optimizer = opt.state, .scheduler = schedule.get()};
  if (ema)
    state.extra["ema"] = {[&ema] {
                            minidl::io::TensorMap out;
                            const auto& tensors = ema->averaged();
                            for (std::size_t i = 0; i < tensors.size(); ++i) out[ema_key(i)] = tensors[i];
                            return out;
                          },
                          [&ema](const minidl::io::TensorMap& saved) {
                            const auto& tensors = ema->averaged();
                            MINIDL_CHECK(saved.size() == tensors.size(), minidl::ValueError, "the EMA state has ",
                                         saved.size(), " tensors, this model averages ", tensors.size());
                            for (std::size_t i = 0; i < tensors.size(); ++i) {
                              const auto found = saved.find(ema_key(i));
                              MINIDL_CHECK(found != saved.end() && found->second.shape() == tensors[i].shape(),
                                           minidl::ValueError, "the EMA state's ", ema_key(i),
                                           " is missing or of another shape");
                              tensors[i].copy_(found->second);
                            }
                          }};
  for (const auto& [key, value] : metadata_of(config)) state.metadata[key] = value;
  int64_t first_epoch = 0;
  if (!config.resume.empty()) {
    train::load_checkpoint(config.resume, state);
    first_epoch = state.epoch;
    log << "resumed " << config.resume << " after epoch " << first_epoch << "\n";
    if (!config.metrics.empty()) train::keep_epochs_before(config.metrics, first_epoch + 1);
  }
  loader.set_epoch(first_epoch);

  std::optional<train::MetricsLog> metrics;
  // A resumed run continues its log (cut back to the checkpoint's epoch above); a new run starts one.
  if (!config.metrics.empty())
    metrics.emplace(config.metrics,
                    config.resume.empty() ? train::MetricsLog::Mode::Truncate : train::MetricsLog::Mode::Append);
  train::ProgressBar progress(log);
  train::ReportData report;
  report.title = std::string("minidl CIFAR-10: ").append(config.model);
  report.config = config.describe();
  if (!config.metrics.empty() && !config.resume.empty()) report.epochs = train::read_metrics(config.metrics);

  Result result;
  int64_t images_trained = 0;
  minidl::Generator& generator = minidl::default_generator(device);
  const int64_t last_epoch = config.stop_after ? std::min(*config.stop_after, config.epochs) : config.epochs;
  train::LossWatch loss_watch(
      {.max_rise = config.max_loss_rise, .reference_floor = std::log(static_cast<double>(train_data.num_classes()))},
      &log);
  int64_t steps_seen = state.step;
  for (int64_t epoch = first_epoch; epoch < last_epoch; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    progress.start_epoch(epoch + 1, config.epochs, steps_per_epoch);
    double loss_sum = 0, correct = 0;
    int64_t images_seen = 0;
    train::StepMetrics step_metrics(train::StepMetrics::default_sync_every(device));
    auto record_steps = [&](const std::vector<train::StepValues>& steps) {
      for (const train::StepValues& step : steps) {
        loss_watch.observe(step.loss, ++steps_seen, epoch + 1, opt.optimizer->lr(0));
        loss_sum += step.loss * static_cast<double>(step.samples);
        correct += step.accuracy * static_cast<double>(step.samples);
        images_seen += step.samples;
        report.step_loss.push_back(step.loss);
        progress.step(step.loss, step.accuracy, step.samples);
      }
    };
    while (auto batch = loader.next()) {
      const Tensor x = data::augment(batch->input, augment, generator);
      const Tensor logits = (*model)(x);
      const Tensor loss =
          minidl::cross_entropy(logits, batch->target, {.label_smoothing = config.label_smoothing});
      opt.optimizer->zero_grad();
      loss.backward();
      opt.optimizer->step();
      if (schedule) schedule->step();
      if (ema) ema->update();
      ++state.step;
      record_steps(step_metrics.add(loss, logits, batch->target));
    }
    record_steps(step_metrics.flush());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.train_s += seconds;
    const train::Evaluation eval = train::evaluate(*model, test_data, plain, {.flip_tta = config.tta});
    train::EpochRecord record;
    record.epoch = epoch + 1;
    record.train_loss = loss_sum / static_cast<double>(images_seen);
    record.train_acc = correct / static_cast<double>(images_seen);
    record.test_loss = eval.loss;
    record.test_acc = eval.accuracy;
    record.lr = opt.optimizer->lr(0);
    record.seconds = seconds;
    record.images_per_s = static_cast<double>(images_seen) / seconds;
    std::ostringstream suffix;
    suffix << std::fixed << std::setprecision(2) << "test_acc " << eval.accuracy * 100 << "%";
    if (ema) {
      minidl::optim::AveragedWeightsGuard averaged(*ema);
      result.ema_test_acc = train::evaluate(*model, test_data, plain, {.flip_tta = config.tta}).accuracy;
      record.extra["ema_test_acc"] = result.ema_test_acc;
      suffix << " ema_test_acc " << result.ema_test_acc * 100 << "%";
    }
    progress.end_epoch(suffix.str());
    result.test_acc = eval.accuracy;
    result.train_acc = record.train_acc;
    ++result.epochs_run;
    images_trained += images_seen;
    if (metrics) metrics->append(record);
    report.epochs.push_back(record);
    if (!config.checkpoint.empty()) {
      state.epoch = epoch + 1;
      train::save_checkpoint(config.checkpoint, state);
    }
  }
  if (result.epochs_run == 0) {
    // Nothing left to train (a finished run resumed): report what the checkpoint's weights score.
    log << "the run in " << config.resume << " is complete (epoch " << first_epoch << " of " << config.epochs
        << "): evaluating it\n";
    result.test_acc = train::evaluate(*model, test_data, plain, {.flip_tta = config.tta}).accuracy;
    if (ema) {
      minidl::optim::AveragedWeightsGuard averaged(*ema);
      result.ema_test_acc = train::evaluate(*model, test_data, plain, {.flip_tta = config.tta}).accuracy;
    }
  }
  result.images_per_s = result.train_s > 0 ? static_cast<double>(images_trained) / result.train_s : 0;
  if (!config.report.empty()) train::write_report(config.report, report);
  if (!config.save_model.empty()) minidl::models::save_weights(*model, config.save_model);
  return result;
}

}  // namespace cifar10
