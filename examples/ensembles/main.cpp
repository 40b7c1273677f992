// Model ensembles on CIFAR-10, the lecture's "train several models, average their
// predictions" (about +2%): the test accuracy of each independently trained small CNN
// (one-cycle schedule), of their ensemble (mean of softmax outputs); of a snapshot ensemble
// (Huang et al. 2017: one run, after a warmup epoch, of cosine cycles with warm restarts, a
// snapshot at the end of each); and of Polyak/EMA weights against the live weights of a
// run at a constant lr (batch-norm statistics recomputed for the averaged weights).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <vector>

#include <minidl.h>

namespace {
using namespace minidl;

struct Settings {
  std::string data_dir, device;
  std::vector<std::string> run = {"independent", "snapshot", "ema"};
  int models = 3;
  int snapshot_cycles = 0;  // 0: as many as models
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
  static const data::Augment augment = data::Augment::parse("crop,flip").with(data::Normalization::cifar10());
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

// The data, the device and the helpers the three experiments share.
class Experiments {
 public:
  explicit Experiments(const Settings& s)
      : s_(s),
        device_(s.device.empty() ? (cuda_available() ? Device::cuda() : Device::cpu())
                                 : Device::parse(s.device)) {
    const std::string dir = data::cifar10_dir(s.data_dir);
    data::ImageDataset train = data::load_cifar10(dir, data::CifarSplit::Train);
    if (s.train_per_class > 0) train = data::first_per_class(train, s.train_per_class);
    train_set_ = train.to(device_);
    test_set_ = data::load_cifar10(dir, data::CifarSplit::Test).to(device_);
  }

  // Independent models: different seeds, the same one-cycle recipe; then their ensemble.
  void independent_models() {
    std::vector<std::shared_ptr<nn::Module>> members;
    double sum_of_accuracies = 0;
    for (int k = 0; k < s_.models; ++k) {
      const uint64_t seed = s_.seed + static_cast<uint64_t>(k);
      manual_seed(seed);
      auto model = make_model();
      optim::SGD optimizer(model->parameters(), sgd_options(0.1));
      data::DataLoader loader = loader_for(seed);
      optim::lr::OneCycleLR schedule(optimizer,
                                     {.max_lr = 0.1, .total_steps = s_.epochs * loader.num_batches()});
      train::fit(*model, optimizer, &schedule, loader,
                 {.epochs = s_.epochs, .augment = crop_flip(), .label_smoothing = 0.1});
      const double accuracy = test_accuracy(*model);
      std::cout << "model " << k << ": test accuracy " << percent(accuracy) << std::endl;
      sum_of_accuracies += accuracy;
      members.push_back(model);
    }
    const double mean_single = sum_of_accuracies / s_.models;
    nn::Ensemble ensemble(members);
    const double ensemble_accuracy = test_accuracy(ensemble);
    std::cout << "ensemble of " << s_.models << " models: test accuracy " << percent(ensemble_accuracy)
              << " (" << points(ensemble_accuracy - mean_single) << " over the mean single model, "
              << percent(mean_single) << ")" << std::endl;
  }

  // A snapshot ensemble: a warmup epoch, then cosine cycles of `epochs` with warm restarts at
  // snapshot_lr, a snapshot at the end of each; the ensembles of all and of the latest snapshots.
  void snapshot_ensemble() {
    const int cycles = s_.snapshot_cycles > 0 ? s_.snapshot_cycles : s_.models;
    const uint64_t seed = s_.seed + 1000;
    manual_seed(seed);
    auto model = make_model();
    optim::SGD optimizer(model->parameters(), sgd_options(s_.snapshot_lr));
    data::DataLoader loader = loader_for(seed);
    optim::lr::LinearLR warmup(optimizer, 0.02, 1.0, loader.num_batches());
    train::fit(*model, optimizer, &warmup, loader, {.augment = crop_flip(), .label_smoothing = 0.1});
    optim::lr::CosineAnnealingWarmRestarts schedule(optimizer, s_.epochs * loader.num_batches());
    optim::SnapshotEnsemble snapshots(*model, schedule);
    train::fit(*model, optimizer, &schedule, loader,
               {.epochs = s_.epochs * cycles,
                .augment = crop_flip(),
                .label_smoothing = 0.1,
                .after_step = [&snapshots] { snapshots.step(); }});
    if (static_cast<int>(snapshots.snapshots().size()) < cycles) snapshots.take_snapshot();
    const auto all = snapshots.ensemble([this] { return make_model(); });
    for (std::size_t k = 0; k < all->size(); ++k)
      std::cout << "snapshot " << k << ": test accuracy " << percent(test_accuracy(*all->member(k)))
                << std::endl;
    const double last_snapshot = test_accuracy(*model);
    // All snapshots, then only the latest ones: early cycles of a short run are weaker.
    for (std::size_t last = snapshots.snapshots().size(); last >= 2; --last) {
      const double accuracy = test_accuracy(*snapshots.ensemble([this] { return make_model(); }, last));
      std::cout << "ensemble of the last " << last << " snapshots: test accuracy " << percent(accuracy)
                << " (" << points(accuracy - last_snapshot) << " over the last snapshot)" << std::endl;
    }
  }

  // Polyak averaging: a run at a constant lr, its live weights against their EMA.
  void polyak_averaging() {
    const uint64_t seed = s_.seed + 2000;
    manual_seed(seed);
    auto model = make_model();
    optim::SGD optimizer(model->parameters(), sgd_options(s_.constant_lr));
    data::DataLoader loader = loader_for(seed);
    const double decay = 1.0 - 1.0 / (s_.ema_epochs * static_cast<double>(loader.num_batches()));
    optim::ExponentialMovingAverage ema(*model, {.decay = decay, .warmup = true});
    train::fit(*model, optimizer, nullptr, loader,
               {.epochs = s_.epochs, .augment = crop_flip(), .label_smoothing = 0.1, .after_step = [&ema] {
                  ema.update();
                }});
    const double live = test_accuracy(*model);
    std::cout << "constant lr " << s_.constant_lr << ", live weights: test accuracy " << percent(live)
              << std::endl;
    optim::AveragedWeightsGuard averaged(ema);
    data::DataLoader statistics_loader = loader_for(seed);
    nn::recompute_batch_norm_statistics(*model, [&]() -> std::optional<Tensor> {
      auto batch = statistics_loader.next();
      if (!batch) return std::nullopt;
      return data::normalize(batch->input, crop_flip());
    });
    const double averaged_accuracy = test_accuracy(*model);
    std::cout << "the same run's EMA weights (decay " << decay << "): test accuracy "
              << percent(averaged_accuracy) << " (" << points(averaged_accuracy - live)
              << " over the live weights)" << std::endl;
  }

 private:
  std::shared_ptr<nn::Module> make_model() const {
    auto model = models::create("small_cnn");
    model->to(device_);
    return model;
  }
  double test_accuracy(nn::Module& model) const {
    return train::evaluate(model, test_set_, data::Augment::parse("none").with(data::Normalization::cifar10())).accuracy;
  }
  data::DataLoader loader_for(uint64_t seed) const {
    return data::DataLoader(train_set_, {.seed = seed, .drop_last = true, .device = device_});
  }

  Settings s_;
  Device device_;
  data::ImageDataset train_set_, test_set_;
};

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"Single models vs ensembles, snapshot ensembles and EMA weights on CIFAR-10."};
  app.add_option("--data", s.data_dir, "CIFAR-10 binary folder (else $CIFAR10_DIR)");
  app.add_option("--device", s.device, "cpu or cuda (default: cuda when available)");
  app.add_option("--run", s.run, "experiments: independent, snapshot, ema")
      ->delimiter(',')
      ->check(CLI::IsMember({"independent", "snapshot", "ema"}))
      ->capture_default_str();
  app.add_option("--models", s.models, "independently trained models")->capture_default_str();
  app.add_option("--snapshot-cycles", s.snapshot_cycles,
                 "cosine cycles of the snapshot run (default: --models)");
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
  const auto selected = [&s](const char* name) { return std::ranges::find(s.run, name) != s.run.end(); };
  try {
    set_num_threads(s.threads);
    Experiments experiments(s);
    if (selected("independent")) experiments.independent_models();
    if (selected("snapshot")) experiments.snapshot_ensemble();
    if (selected("ema")) experiments.polyak_averaging();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
