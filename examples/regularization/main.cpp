// Regularization on a small subset of CIFAR-10 (the lecture's overfitting picture): the
// same small CNN trained with no regularization and with each regularizer alone — L2
// weight decay, L1, elastic net, dropout, DropConnect on the classifier, data
// augmentation — printing training accuracy, test accuracy and their gap for each.
#include <CLI/CLI.hpp>
#include <iomanip>
#include <iostream>

#include <minidl.h>

namespace {
using namespace minidl;

struct Settings {
  std::string data_dir, device;
  int64_t per_class = 200;
  int epochs = 15;
  uint64_t seed = 0;
  int threads = 0;
};

struct Regularizer {
  std::string name;
  double weight_decay = 0, l1 = 0, dropout = 0, dropconnect = 0;
  std::string augment = "none";
};

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{
      "Train accuracy, test accuracy and their gap with each regularizer, on a small CIFAR-10 subset."};
  app.add_option("--data", s.data_dir, "CIFAR-10 binary folder (else $CIFAR10_DIR)");
  app.add_option("--device", s.device, "cpu or cuda (default: cuda when available)");
  app.add_option("--per-class", s.per_class, "training images per class")->capture_default_str();
  app.add_option("--epochs", s.epochs)->capture_default_str();
  app.add_option("--seed", s.seed)->capture_default_str();
  app.add_option("--threads", s.threads);
  CLI11_PARSE(app, argc, argv);
  try {
    set_num_threads(s.threads);
    const Device device =
        s.device.empty() ? (cuda_available() ? Device::cuda() : Device::cpu()) : Device::parse(s.device);
    const std::string dir = data::cifar10_dir(s.data_dir);
    const auto train_set =
        data::first_per_class(data::load_cifar10(dir, data::CifarSplit::Train), s.per_class).to(device);
    const auto test_set = data::load_cifar10(dir, data::CifarSplit::Test).to(device);
    const auto plain = data::Augment::parse("none").with(data::Normalization::cifar10());
    const std::vector<Regularizer> runs = {
        {.name = "none"},
        {.name = "L2 (weight decay 5e-3)", .weight_decay = 5e-3},
        {.name = "L1 (1e-4)", .l1 = 1e-4},
        {.name = "elastic net (L2 5e-3 + L1 1e-4)", .weight_decay = 5e-3, .l1 = 1e-4},
        {.name = "dropout 0.5", .dropout = 0.5},
        {.name = "DropConnect 0.5 (classifier)", .dropconnect = 0.5},
        {.name = "augmentation (crop, flip)", .augment = "crop,flip"},
    };
    std::cout << std::left << std::setw(34) << "regularizer"
              << "train_acc  test_acc  gap\n";
    for (const Regularizer& r : runs) {
      manual_seed(s.seed);
      auto model = models::create("small_cnn", {.dropout = r.dropout});
      if (r.dropconnect > 0)
        nn::replace_head(*model, "classifier.1",
                         std::make_shared<nn::DropConnectLinear>(128 * 16, 10, r.dropconnect));
      model->to(device);
      optim::SGD optimizer(
          model->parameters(),
          {.lr = 0.05, .momentum = 0.9, .weight_decay = r.weight_decay, .l1 = r.l1, .nesterov = true});
      data::DataLoader loader(train_set, {.batch_size = 64, .seed = s.seed, .device = device});
      optim::lr::OneCycleLR schedule(optimizer,
                                     {.max_lr = 0.05, .total_steps = s.epochs * loader.num_batches()});
      train::fit(*model, optimizer, &schedule, loader,
                 {.epochs = s.epochs, .augment = data::Augment::parse(r.augment).with(data::Normalization::cifar10())});
      const double train_acc = train::evaluate(*model, train_set, plain).accuracy;
      const double test_acc = train::evaluate(*model, test_set, plain).accuracy;
      std::cout << std::left << std::setw(34) << r.name << std::fixed << std::setprecision(4) << std::setw(11)
                << train_acc << std::setw(10) << test_acc << train_acc - test_acc << std::endl;
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
