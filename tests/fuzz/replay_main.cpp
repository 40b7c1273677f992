// Replays files through a fuzz target's LLVMFuzzerTestOneInput without libFuzzer, so the
// seed corpus and every regression input run in every build (ctest fuzz_corpus_<name>,
// gcc included). Arguments are files or folders (searched recursively); a folder without
// files is an error, so a misplaced corpus cannot pass vacuously.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::filesystem::path> inputs(const std::filesystem::path& argument) {
  if (!std::filesystem::is_directory(argument)) return {argument};
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(argument))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());  // the same order on every machine
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " FILE_OR_FOLDER...\n";
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    const auto files = inputs(argv[i]);
    if (files.empty()) {
      std::cerr << argv[i] << ": no inputs\n";
      return 1;
    }
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        std::cerr << file << ": cannot be read\n";
        return 1;
      }
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    }
    std::cout << argv[i] << ": " << files.size() << " inputs replayed\n";
  }
  return 0;
}
