// Transfer learning on CIFAR-10 (the lecture's "pretrain on a big set, fine-tune on a
// small one"): pretrain a small CNN on the six animal classes, then fine-tune it on the
// four vehicle classes from only 50 images each (1% of their training images) — first
// the new head alone with the backbone and its batch-norm statistics frozen, then
// everything with a 10x smaller lr for the backbone — and compare with the same network
// trained from scratch on those 200 images. Prints both accuracies on the vehicle test set.
// With --images DIR it fine-tunes on your own photos instead: DIR/<class>/<image> (PNG or
// JPEG, any size: resized to 32x32), or DIR/train/<class>/... and DIR/val/<class>/... ; the
// small CNN is pretrained on all ten CIFAR-10 classes first, and your images are normalized
// with CIFAR-10's statistics, the ones the pretrained backbone learnt with.
#include <CLI/CLI.hpp>
#include <filesystem>
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
  std::string images;  // your own ImageFolder instead of CIFAR-10's vehicles
};

// Trains `epochs` epochs of SGD (Nesterov) over `groups` with crop+flip: a linear warm-up over
// the first 15% of the steps (this network diverges at a cold lr of 0.05, in PyTorch too),
// then cosine annealing — both relative to each group's own lr.
void fit(nn::Module& model, std::vector<optim::ParamGroup<optim::SGDOptions>> groups,
         const data::ImageDataset& set, int epochs, int64_t batch_size, uint64_t seed) {
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
       std::make_shared<optim::lr::CosineAnnealingLR>(optimizer, std::max<int64_t>(1, steps - warmup))},
      {warmup});
  train::fit(model, optimizer, &schedule, loader,
             {.epochs = epochs, .augment = data::Augment::parse("crop,flip").with(data::Normalization::cifar10()), .label_smoothing = 0.1});
}

std::vector<optim::ParamGroup<optim::SGDOptions>> everything(nn::Module& model, double lr) {
  return nn::param_groups_by_pattern(model, {{"*", lr}}, optim::SGDOptions{.lr = lr});
}

// Your images: DIR/train and DIR/val when both exist, else DIR itself split 80/20 (every fifth
// image of each class, in name order, held out).
std::pair<data::ImageDataset, data::ImageDataset> own_images(const std::string& dir) {
  namespace fs = std::filesystem;
  const data::ImageFolderOptions resized{.height = 32, .width = 32};
  if (fs::is_directory(fs::path(dir) / "train") && fs::is_directory(fs::path(dir) / "val"))
    return {data::ImageFolder((fs::path(dir) / "train").string(), resized).load_all(),
            data::ImageFolder((fs::path(dir) / "val").string(), resized).load_all()};
  const data::ImageDataset all = data::ImageFolder(dir, resized).load_all();
  std::vector<int64_t> train, val;
  std::vector<int64_t> seen(static_cast<std::size_t>(all.num_classes()), 0);
  const std::vector<int64_t> labels = all.labels().to_vector<int64_t>();
  for (std::size_t i = 0; i < labels.size(); ++i)
    (seen[static_cast<std::size_t>(labels[i])]++ % 5 == 4 ? val : train).push_back(static_cast<int64_t>(i));
  MINIDL_CHECK(!val.empty() && !train.empty(), ValueError, "--images ", dir,
               ": too few images to hold out a fifth for validation (", labels.size(), ")");
  return {data::subset(all, train), data::subset(all, val)};
}

// Pretrains on all of CIFAR-10, fine-tunes on `train` (head, then everything), trains the same
// network from scratch on it, and prints both accuracies on `val`.
void fine_tune_on_own_images(const Settings& s, const Device& device, const data::ImageDataset& cifar,
                             const data::ImageDataset& train, const data::ImageDataset& val) {
  const auto plain = data::Augment::parse("none").with(data::Normalization::cifar10());
  std::cerr << "pretraining on " << cifar.size() << " CIFAR-10 images, fine-tuning on " << train.size()
            << " of your images (" << train.num_classes() << " classes), validating on " << val.size() << "\n";
  auto pretrained = models::create("small_cnn", {.num_classes = 10});
  pretrained->to(device);
  fit(*pretrained, everything(*pretrained, 0.1), cifar.to(device), s.pretrain_epochs, 128, s.seed);
  nn::replace_head(*pretrained, "classifier.1", std::make_shared<nn::Linear>(128 * 16, train.num_classes()));
  const auto few = train.to(device);
  const int64_t batch = std::min<int64_t>(50, few.size());
  nn::freeze(*pretrained, "features.*");
  const int head_epochs = s.finetune_epochs / 3;
  fit(*pretrained, everything(*pretrained, 0.05), few, head_epochs, batch, s.seed);
  nn::unfreeze(*pretrained, "features.*");
  fit(*pretrained,
      nn::param_groups_by_pattern(*pretrained, {{"features.*", 0.005}, {"*", 0.05}}, optim::SGDOptions{.lr = 0.05}),
      few, s.finetune_epochs - head_epochs, batch, s.seed + 1);
  const double finetuned = train::evaluate(*pretrained, val.to(device), plain).accuracy;
  auto scratch = models::create("small_cnn", {.num_classes = train.num_classes()});
  scratch->to(device);
  fit(*scratch, everything(*scratch, 0.05), few, s.finetune_epochs, batch, s.seed);
  const double from_scratch = train::evaluate(*scratch, val.to(device), plain).accuracy;
  std::cout << std::fixed << std::setprecision(4) << "your images' validation accuracy: pretrained+fine-tuned="
            << finetuned << " from_scratch=" << from_scratch << " (" << train.size() << " training images)\n";
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
  app.add_option("--images", s.images,
                 "fine-tune on your own images: DIR/<class>/<image> (PNG/JPEG), or DIR/train and DIR/val");
  CLI11_PARSE(app, argc, argv);
  try {
    set_num_threads(s.threads);
    manual_seed(s.seed);
    const Device device =
        s.device.empty() ? (cuda_available() ? Device::cuda() : Device::cpu()) : Device::parse(s.device);
    const std::string dir = data::cifar10_dir(s.data_dir);
    const auto train_set = data::load_cifar10(dir, data::CifarSplit::Train);
    if (!s.images.empty()) {
      const auto [own_train, own_val] = own_images(s.images);
      fine_tune_on_own_images(s, device, train_set, own_train, own_val);
      return 0;
    }
    const auto test_set = data::load_cifar10(dir, data::CifarSplit::Test);
    const auto animals =
        data::select_classes(train_set, {std::begin(kAnimals), std::end(kAnimals)}).to(device);
    const std::vector<int64_t> vehicles(std::begin(kVehicles), std::end(kVehicles));
    const auto few = data::first_per_class(data::select_classes(train_set, vehicles), s.per_class).to(device);
    const auto vehicle_test = data::select_classes(test_set, vehicles).to(device);
    const auto plain = data::Augment::parse("none").with(data::Normalization::cifar10());
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
