// cifar10_train: trains a CIFAR-10 classifier with minidl (see README.md) and
// ends with one line: final test_acc=0.XXXX train_s=S imgs_per_s=N.
// Exit codes: 0 done, 1 an error during the run, 2 a bad command line or missing data.
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "config.h"
#include "core/parallel.h"
#include "data/cifar.h"
#include "trainer.h"

int main(int argc, char** argv) {
  int exit_code = 0;
  const auto config = cifar10::parse_args(argc, argv, exit_code);
  if (!config) return exit_code;
  try {
    for (const std::string& change : cifar10::check_before_work(*config))
      std::cerr << "--resume-override: continuing with " << change << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  const std::string dir = cifar10::resolve_data_dir(config->data_dir);
  if (!std::filesystem::exists(std::filesystem::path(dir) / "data_batch_1.bin")) {
    std::cerr << "CIFAR-10 not found in '" << dir << "' (looked at --data, then $CIFAR10_DIR, then "
              << "data/cifar-10-batches-bin).\nGet it with: scripts/get_cifar10.sh [DIR]  "
              << "(downloads the official binary release, checks its md5 and unpacks it)\n";
    return 2;
  }
  try {
    if (config->threads) minidl::set_num_threads(*config->threads);
    namespace data = minidl::data;
    const data::CifarLoadOptions strictness{.allow_subset = config->subset_data};
    data::ImageDataset train = data::load_cifar10(dir, data::CifarSplit::Train, strictness);
    data::ImageDataset test = data::load_cifar10(dir, data::CifarSplit::Test, strictness);
    if (config->train_per_class) train = data::first_per_class(train, *config->train_per_class);
    if (config->test_limit && *config->test_limit < test.size()) {
      std::vector<int64_t> first(static_cast<std::size_t>(*config->test_limit));
      for (std::size_t i = 0; i < first.size(); ++i) first[i] = static_cast<int64_t>(i);
      test = data::subset(test, first);
    }
    std::cerr << "minidl CIFAR-10: " << train.size() << " training and " << test.size()
              << " test images, model " << config->model << ", " << config->epochs << " epochs\n";
    const cifar10::Result result = cifar10::run(*config, train, test, std::cerr);
    std::cout << std::fixed << "final test_acc=" << std::setprecision(4) << result.test_acc
              << " train_s=" << std::setprecision(1) << result.train_s
              << " imgs_per_s=" << std::setprecision(0) << result.images_per_s << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
