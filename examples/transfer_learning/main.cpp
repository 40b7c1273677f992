// Transfer learning on CIFAR-10 (the lecture's "pretrain on a big set, fine-tune on a
// small one"): pretrain a small CNN on the six animal classes, then fine-tune it on the
// four vehicle classes from only 50 images each (1% of their training images) — first
// the new head alone with the backbone and its batch-norm statistics frozen, then
// everything with a 10x smaller lr for the backbone — and compare with the same network
// trained from scratch on those 200 images. Prints both accuracies on the vehicle test set.
#include <CLI/CLI.hpp>
#include <iomanip>
#include <iostream>

#include <minidl.h>

namespace {
using namespace minidl;

constexpr int64_t kAnimals[] = {2, 3, 4, 5, 6, 7};  // bird cat deer dog frog horse
constexpr int64_t kVehicles[] = {0, 1, 8, 9};       // airplane automobile ship truck

struct Settings {
  std::string data_dir;
  std::string device;
  int pretrain_epochs = 2;
  int64_t per_class = 50;
  int finetune_epochs = 30;
  uint64_t seed = 0;
  int threads = 0;
};

// Trains `epochs` epochs of SGD (Nesterov) over `groups` with crop+flip: a linear warm-up over
// the first 15% of the steps (this network diverges at a cold lr of 0.05, in PyTorch too),
// then cosine annealing — both relative to each group's own lr.
void fit(nn::Module& model, std::vector<optim::ParamGroup<optim::SGDOptions>> groups,
         const data::Dataset& set, int epochs, int64_t batch_size, uint64_t seed) {
  const optim::SGDOptions defaults{
      .lr = groups.front().options.lr, .momentum = 0.9, .weight_decay = 5e-4, .nesterov = true};
  for (auto& group : groups)
    group.options = {.lr = group.options.lr, .momentum = 0.9, .weight_decay = 5e-4, .nesterov = true};
  optim::SGD optimizer(std::move(groups), defaults);
  data::DataLoader loader(set, {.batch_size = batch_size, .seed = seed, .device = set.device()});
  const int64_t steps = epochs * loader.num_batches();
  const int64_t warmup = std::max<int64_t>(1, steps * 15 / 100);
  optim::lr::SequentialLR schedule(
      optimizer,
      {std::make_shared<optim::lr::LinearLR>(optimizer, 0.1, 1.0, warmup),
       std::make_shared<optim::lr::CosineAnnealingLR>(optimizer, steps - warmup)},
      {warmup});
  train::fit(model, optimizer, &schedule, loader,
             {.epochs = epochs, .augment = data::Augment::parse("crop,flip"), .label_smoothing = 0.1});
}

std::vector<optim::ParamGroup<optim::SGDOptions>> everything(nn::Module& model, double lr) {
  return nn::param_groups_by_pattern(model, {{"*", lr}}, optim::SGDOptions{.lr = lr});
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{
      "Pretrain on CIFAR-10's animals, fine-tune on 1% of its vehicles, compare with training from scratch."};
  app.add_option("--data", s.data_dir, "CIFAR-10 binary folder (else $CIFAR10_DIR)");
  app.add_option("--device", s.device, "cpu or cuda (default: cuda when available)");
  app.add_option("--pretrain-epochs", s.pretrain_epochs)->capture_default_str();
  app.add_option("--per-class", s.per_class, "vehicle training images per class")->capture_default_str();
  app.add_option("--finetune-epochs", s.finetune_epochs)->capture_default_str();
  app.add_option("--seed", s.seed)->capture_default_str();
  app.add_option("--threads", s.threads);
  CLI11_PARSE(app, argc, argv);
  try {
    set_num_threads(s.threads);
    manual_seed(s.seed);
    const Device device =
        s.device.empty() ? (cuda_available() ? Device::cuda() : Device::cpu()) : Device::parse(s.device);
    const std::string dir = data::cifar10_dir(s.data_dir);
    const auto train_set = data::load_cifar10(dir, data::CifarSplit::Train);
    const auto test_set = data::load_cifar10(dir, data::CifarSplit::Test);
    const auto animals =
        data::select_classes(train_set, {std::begin(kAnimals), std::end(kAnimals)}).to(device);
    const std::vector<int64_t> vehicles(std::begin(kVehicles), std::end(kVehicles));
    const auto few = data::first_per_class(data::select_classes(train_set, vehicles), s.per_class).to(device);
    const auto vehicle_test = data::select_classes(test_set, vehicles).to(device);
    const auto plain = data::Augment::parse("none");
    std::cerr << "pretraining on " << animals.size() << " animal images, fine-tuning on " << few.size()
              << " vehicle images, testing on " << vehicle_test.size() << "\n";

    // 1. Pretrain on the animals.
    auto pretrained = models::create("small_cnn", {.num_classes = 6});
    pretrained->to(device);
    fit(*pretrained, everything(*pretrained, 0.1), animals, s.pretrain_epochs, 128, s.seed);
    const double animal_acc =
        train::evaluate(*pretrained,
                        data::select_classes(test_set, {std::begin(kAnimals), std::end(kAnimals)}).to(device),
                        plain)
            .accuracy;
    std::cerr << "pretrained: " << animal_acc * 100 << "% on the animal test images\n";

    // 2. Fine-tune: a new 4-way head; first the head alone (backbone and BN statistics frozen), then all.
    nn::replace_head(*pretrained, "classifier.1", std::make_shared<nn::Linear>(128 * 16, 4));
    nn::freeze(*pretrained, "features.*");
    const int head_epochs = s.finetune_epochs / 3;
    fit(*pretrained, everything(*pretrained, 0.05), few, head_epochs, 50, s.seed);
    nn::unfreeze(*pretrained, "features.*");
    fit(*pretrained,
        nn::param_groups_by_pattern(*pretrained, {{"features.*", 0.005}, {"*", 0.05}},
                                    optim::SGDOptions{.lr = 0.05}),
        few, s.finetune_epochs - head_epochs, 50, s.seed + 1);
    const double finetuned = train::evaluate(*pretrained, vehicle_test, plain).accuracy;

    // 3. The same network from scratch on the same 200 images, for as many steps.
    auto scratch = models::create("small_cnn", {.num_classes = 4});
    scratch->to(device);
    fit(*scratch, everything(*scratch, 0.05), few, s.finetune_epochs, 50, s.seed);
    const double from_scratch = train::evaluate(*scratch, vehicle_test, plain).accuracy;

    std::cout << std::fixed << std::setprecision(4)
              << "vehicle test accuracy: pretrained+fine-tuned=" << finetuned
              << " from_scratch=" << from_scratch << " (" << few.size() << " training images)\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
