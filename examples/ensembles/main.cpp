// Model ensembles on CIFAR-10, the lecture's "train several models, average their
// predictions" (about +2%): the test accuracy of each independently trained small CNN,
// of their ensemble (mean of softmax outputs), of a snapshot ensemble (Huang et al. 2017:
// one run with cosine warm restarts, a snapshot at the end of each cycle), and of the
// first model's Polyak/EMA weights (batch-norm statistics recomputed for them).
#include <CLI/CLI.hpp>
#include <iomanip>
#include <iostream>

#include <minidl.h>

namespace {
using namespace minidl;

struct Settings {
  std::string data_dir, device;
  int models = 3;
  int epochs = 2;
  int64_t train_per_class = 0;
  double ema_decay = 0.999;
  uint64_t seed = 0;
  int threads = 0;
};

optim::SGDOptions sgd_options(double lr) {
  return {.lr = lr, .momentum = 0.9, .weight_decay = 5e-4, .nesterov = true};
}

const data::Augment& crop_flip() {
  static const data::Augment augment = data::Augment::parse("crop,flip");
  return augment;
}

std::string percent(double accuracy) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << accuracy * 100 << "%";
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"Single models vs ensembles, snapshot ensembles and EMA weights on CIFAR-10."};
  app.add_option("--data", s.data_dir, "CIFAR-10 binary folder (else $CIFAR10_DIR)");
  app.add_option("--device", s.device, "cpu or cuda (default: cuda when available)");
  app.add_option("--models", s.models, "independently trained models (and snapshot cycles)")
      ->capture_default_str();
  app.add_option("--epochs", s.epochs, "epochs per model (and per snapshot cycle)")->capture_default_str();
  app.add_option("--train-per-class", s.train_per_class, "first N training images per class (0: all)");
  app.add_option("--ema", s.ema_decay, "EMA decay")->capture_default_str();
  app.add_option("--seed", s.seed)->capture_default_str();
  app.add_option("--threads", s.threads);
  CLI11_PARSE(app, argc, argv);
  try {
    set_num_threads(s.threads);
    const Device device =
        s.device.empty() ? (cuda_available() ? Device::cuda() : Device::cpu()) : Device::parse(s.device);
    const std::string dir = data::cifar10_dir(s.data_dir);
    data::Dataset train_set = data::load_cifar10(dir, data::CifarSplit::Train);
    if (s.train_per_class > 0) train_set = data::first_per_class(train_set, s.train_per_class);
    train_set = train_set.to(device);
    const auto test_set = data::load_cifar10(dir, data::CifarSplit::Test).to(device);
    const auto plain = data::Augment::parse("none");
    auto make_model = [device] {
      auto model = models::create("small_cnn");
      model->to(device);
      return model;
    };

    // 1. Independent models (different seeds), the first with an EMA of its weights.
    std::vector<std::shared_ptr<nn::Module>> members;
    std::unique_ptr<optim::ExponentialMovingAverage> ema;
    for (int k = 0; k < s.models; ++k) {
      manual_seed(s.seed + static_cast<uint64_t>(k));
      auto model = make_model();
      optim::SGD optimizer(model->parameters(), sgd_options(0.1));
      data::DataLoader loader(
          train_set, {.seed = s.seed + static_cast<uint64_t>(k), .drop_last = true, .device = device});
      optim::lr::OneCycleLR schedule(optimizer,
                                     {.max_lr = 0.1, .total_steps = s.epochs * loader.num_batches()});
      if (k == 0)
        ema = std::make_unique<optim::ExponentialMovingAverage>(*model,
                                                                optim::EmaOptions{.decay = s.ema_decay});
      train::fit(*model, optimizer, &schedule, loader,
                 {.epochs = s.epochs,
                  .augment = crop_flip(),
                  .label_smoothing = 0.1,
                  .after_step = k == 0 ? std::function<void()>([&ema] { ema->update(); }) : nullptr});
      const double accuracy = train::evaluate(*model, test_set, plain).accuracy;
      std::cout << "model " << k << ": test accuracy " << percent(accuracy) << "\n";
      members.push_back(model);
    }
    nn::Ensemble ensemble(members);
    std::cout << "ensemble of " << s.models << " models: test accuracy "
              << percent(train::evaluate(ensemble, test_set, plain).accuracy) << "\n";

    // 2. The first model with its EMA weights, batch-norm statistics recomputed over training batches.
    {
      optim::AveragedWeightsGuard averaged(*ema);
      data::DataLoader loader(train_set, {.seed = s.seed, .drop_last = true, .device = device});
      const auto augment = crop_flip();
      nn::recompute_batch_norm_statistics(*members[0], [&]() -> std::optional<Tensor> {
        auto batch = loader.next();
        if (!batch) return std::nullopt;
        return data::normalize(batch->images, augment);
      });
      std::cout << "model 0 with EMA weights (decay " << s.ema_decay << "): test accuracy "
                << percent(train::evaluate(*members[0], test_set, plain).accuracy) << "\n";
    }

    // 3. A snapshot ensemble: one run of `models` cosine cycles, a snapshot at the end of each.
    manual_seed(s.seed + 1000);
    auto model = make_model();
    optim::SGD optimizer(model->parameters(), sgd_options(0.05));
    data::DataLoader loader(train_set, {.seed = s.seed + 1000, .drop_last = true, .device = device});
    optim::lr::CosineAnnealingWarmRestarts schedule(optimizer, s.epochs * loader.num_batches());
    optim::SnapshotEnsemble snapshots(*model, schedule);
    train::fit(*model, optimizer, &schedule, loader,
               {.epochs = s.epochs * s.models,
                .augment = crop_flip(),
                .label_smoothing = 0.1,
                .after_step = [&snapshots] { snapshots.step(); }});
    if (static_cast<int>(snapshots.snapshots().size()) < s.models) snapshots.take_snapshot();
    std::cout << "last snapshot alone: test accuracy "
              << percent(train::evaluate(*model, test_set, plain).accuracy) << "\n";
    auto snapshot_ensemble = snapshots.ensemble(make_model);
    std::cout << "snapshot ensemble of " << snapshots.snapshots().size() << " cycles: test accuracy "
              << percent(train::evaluate(*snapshot_ensemble, test_set, plain).accuracy) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
