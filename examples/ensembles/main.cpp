// Model ensembles on CIFAR-10, the lecture's "train several models, average their
// predictions" (about +2%): the test accuracy of each independently trained small CNN
// (one-cycle schedule), of their ensemble (mean of softmax outputs); of a snapshot ensemble
// (Huang et al. 2017: one run, after a warmup epoch, of cosine cycles with warm restarts, a
// snapshot at the end of each); and of Polyak/EMA weights against the live weights of a
// run at a constant lr (batch-norm statistics recomputed for the averaged weights).
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
  double snapshot_lr = 0.1;
  double constant_lr = 0.01;
  double ema_epochs = 1;
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

std::string points(double difference) {
  std::ostringstream out;
  out << std::showpos << std::fixed << std::setprecision(2) << difference * 100 << " points";
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
  app.add_option("--epochs", s.epochs, "epochs per model, per snapshot cycle and of the EMA run")
      ->capture_default_str();
  app.add_option("--train-per-class", s.train_per_class, "first N training images per class (0: all)");
  app.add_option("--snapshot-lr", s.snapshot_lr, "lr at each warm restart")->capture_default_str();
  app.add_option("--constant-lr", s.constant_lr, "lr of the EMA run")->capture_default_str();
  app.add_option("--ema-epochs", s.ema_epochs, "EMA window: decay = 1 - 1/(epochs * steps per epoch)")
      ->capture_default_str();
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
    auto test_accuracy = [&](nn::Module& model) { return train::evaluate(model, test_set, plain).accuracy; };
    auto loader_for = [&](uint64_t seed) {
      return data::DataLoader(train_set, {.seed = seed, .drop_last = true, .device = device});
    };

    // 1. Independent models: different seeds, the same one-cycle recipe.
    std::vector<std::shared_ptr<nn::Module>> members;
    double sum_of_accuracies = 0;
    for (int k = 0; k < s.models; ++k) {
      const uint64_t seed = s.seed + static_cast<uint64_t>(k);
      manual_seed(seed);
      auto model = make_model();
      optim::SGD optimizer(model->parameters(), sgd_options(0.1));
      data::DataLoader loader = loader_for(seed);
      optim::lr::OneCycleLR schedule(optimizer,
                                     {.max_lr = 0.1, .total_steps = s.epochs * loader.num_batches()});
      train::fit(*model, optimizer, &schedule, loader,
                 {.epochs = s.epochs, .augment = crop_flip(), .label_smoothing = 0.1});
      const double accuracy = test_accuracy(*model);
      std::cout << "model " << k << ": test accuracy " << percent(accuracy) << std::endl;
      sum_of_accuracies += accuracy;
      members.push_back(model);
    }
    const double mean_single = sum_of_accuracies / s.models;
    nn::Ensemble ensemble(members);
    const double ensemble_accuracy = test_accuracy(ensemble);
    std::cout << "ensemble of " << s.models << " models: test accuracy " << percent(ensemble_accuracy) << " ("
              << points(ensemble_accuracy - mean_single) << " over the mean single model, "
              << percent(mean_single) << ")" << std::endl;

    // 2. A snapshot ensemble: a warmup epoch, then `models` cosine cycles with warm restarts at
    //    snapshot_lr, a snapshot at the end of each.
    {
      const uint64_t seed = s.seed + 1000;
      manual_seed(seed);
      auto model = make_model();
      optim::SGD optimizer(model->parameters(), sgd_options(s.snapshot_lr));
      data::DataLoader loader = loader_for(seed);
      optim::lr::LinearLR warmup(optimizer, 0.02, 1.0, loader.num_batches());
      train::fit(*model, optimizer, &warmup, loader, {.augment = crop_flip(), .label_smoothing = 0.1});
      optim::lr::CosineAnnealingWarmRestarts schedule(optimizer, s.epochs * loader.num_batches());
      optim::SnapshotEnsemble snapshots(*model, schedule);
      train::fit(*model, optimizer, &schedule, loader,
                 {.epochs = s.epochs * s.models,
                  .augment = crop_flip(),
                  .label_smoothing = 0.1,
                  .after_step = [&snapshots] { snapshots.step(); }});
      if (static_cast<int>(snapshots.snapshots().size()) < s.models) snapshots.take_snapshot();
      const auto snapshot_ensemble = snapshots.ensemble(make_model);
      for (std::size_t k = 0; k < snapshot_ensemble->size(); ++k)
        std::cout << "snapshot " << k << ": test accuracy "
                  << percent(test_accuracy(*snapshot_ensemble->member(k))) << std::endl;
      const double last_snapshot = test_accuracy(*model);
      // All snapshots, then only the latest ones: early cycles of a short run are weaker.
      for (std::size_t last = snapshots.snapshots().size(); last >= 2; --last) {
        const double accuracy = test_accuracy(*snapshots.ensemble(make_model, last));
        std::cout << "ensemble of the last " << last << " snapshots: test accuracy " << percent(accuracy)
                  << " (" << points(accuracy - last_snapshot) << " over the last snapshot)" << std::endl;
      }
    }

    // 3. Polyak averaging: a run at a constant lr, its live weights against their EMA.
    {
      const uint64_t seed = s.seed + 2000;
      manual_seed(seed);
      auto model = make_model();
      optim::SGD optimizer(model->parameters(), sgd_options(s.constant_lr));
      data::DataLoader loader = loader_for(seed);
      const double decay = 1.0 - 1.0 / (s.ema_epochs * static_cast<double>(loader.num_batches()));
      optim::ExponentialMovingAverage ema(*model, {.decay = decay, .warmup = true});
      train::fit(*model, optimizer, nullptr, loader,
                 {.epochs = s.epochs, .augment = crop_flip(), .label_smoothing = 0.1, .after_step = [&ema] {
                    ema.update();
                  }});
      const double live = test_accuracy(*model);
      std::cout << "constant lr " << s.constant_lr << ", live weights: test accuracy " << percent(live)
                << std::endl;
      optim::AveragedWeightsGuard averaged(ema);
      data::DataLoader statistics_loader = loader_for(seed);
      const auto augment = crop_flip();
      nn::recompute_batch_norm_statistics(*model, [&]() -> std::optional<Tensor> {
        auto batch = statistics_loader.next();
        if (!batch) return std::nullopt;
        return data::normalize(batch->images, augment);
      });
      const double averaged_accuracy = test_accuracy(*model);
      std::cout << "the same run's EMA weights (decay " << decay << "): test accuracy "
                << percent(averaged_accuracy) << " (" << points(averaged_accuracy - live)
                << " over the live weights)" << std::endl;
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
