#include "train/fit.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/generator.h"
#include "core/ops/loss.h"
#include "train/step_metrics.h"

namespace minidl::train {

double fit(nn::Module& model, optim::Optimizer& optimizer, optim::lr::Scheduler* schedule,
           data::DataLoader& loader, const FitOptions& options) {
  Generator& generator = default_generator(loader.options().device);
  model.train();
  double last_epoch_loss = 0;
  std::optional<LossWatch> watch;
  int64_t step = 0;
  for (int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    double loss_sum = 0;
    int64_t images = 0;
    StepMetrics step_metrics(StepMetrics::default_sync_every(loader.options().device));
    auto record_steps = [&](const std::vector<StepValues>& steps) {
      for (const StepValues& values : steps) {
        watch->observe(values.loss, ++step, epoch + 1, optimizer.lr(0));
        loss_sum += values.loss * static_cast<double>(values.samples);
        images += values.samples;
      }
    };
    while (auto batch = loader.next()) {
      const Tensor x = data::augment(batch->input, options.augment, generator);
      const Tensor logits = model(x);
      const Tensor loss = cross_entropy(logits, batch->target, {.label_smoothing = options.label_smoothing});
      if (!watch) {
        LossWatchOptions divergence = options.divergence;
        divergence.reference_floor = std::max(divergence.reference_floor, std::log(static_cast<double>(logits.size(1))));
        watch.emplace(divergence);
      }
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      if (schedule) schedule->step();
      if (options.after_step) options.after_step();
      record_steps(step_metrics.add(loss, logits, batch->target));
    }
    record_steps(step_metrics.flush());
    last_epoch_loss = images > 0 ? loss_sum / static_cast<double>(images) : 0;
  }
  return last_epoch_loss;
}

}  // namespace minidl::train
