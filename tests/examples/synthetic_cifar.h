// A CIFAR-10 folder of synthetic records for the tests that run the example programs: five
// training files and a test file in the release's binary format, four learnable classes (a
// bright blob in one quadrant on a noisy background), so `--subset-data` runs train for real.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace minidl::test {

inline void write_cifar_file(const std::filesystem::path& path, int records, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(0, 80);
  std::string bytes;
  for (int r = 0; r < records; ++r) {
    const int label = r % 4;
    bytes.push_back(static_cast<char>(label));
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) {
          const bool blob = (y / 16) == (label / 2) && (x / 16) == (label % 2);
          bytes.push_back(static_cast<char>(std::min(255, noise(rng) + (blob ? 150 - 40 * c : 0))));
        }
  }
  std::ofstream(path, std::ios::binary) << bytes;
}

/// A fresh folder under the temp directory holding data_batch_1..5.bin of `per_file` records
/// each and test_batch.bin of `test_records`.
inline std::filesystem::path synthetic_cifar10(const std::string& name, int per_file, int test_records) {
  const auto dir = std::filesystem::temp_directory_path() / ("minidl_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (int b = 1; b <= 5; ++b)
    write_cifar_file(dir / ("data_batch_" + std::to_string(b) + ".bin"), per_file, static_cast<unsigned>(b));
  write_cifar_file(dir / "test_batch.bin", test_records, 99);
  return dir;
}

}  // namespace minidl::test
