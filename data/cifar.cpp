// CIFAR binary readers: sizes of all files checked up front, then each file read whole and
// split into image planes and labels, with every label checked against the class count.
#include "data/cifar.h"

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace minidl::data {
namespace fs = std::filesystem;
namespace {

int64_t record_bytes(const CifarFormat& format) { return format.label_bytes + kCifarImageBytes; }

// Records in `path`; IOError when it is missing or holds a partial record.
int64_t count_records(const std::string& path, const CifarFormat& format) {
  std::error_code error;
  const bool regular = fs::is_regular_file(path, error);
  MINIDL_CHECK(regular, IOError, format.name, ": cannot read ", path, " (no such file)");
  const auto bytes = static_cast<int64_t>(fs::file_size(path, error));
  MINIDL_CHECK(!error, IOError, format.name, ": cannot read the size of ", path, ": ", error.message());
  const int64_t record = record_bytes(format);
  MINIDL_CHECK(bytes % record == 0, IOError, format.name, ": ", path, " holds ", bytes,
               " bytes, not a whole number of ", record, "-byte records (record ", bytes / record,
               " is truncated after ", bytes % record, " bytes)");
  return bytes / record;
}

}  // namespace

CifarFormat cifar10_format() { return {}; }

CifarFormat cifar100_format(Cifar100Labels labels) {
  return labels == Cifar100Labels::Fine ? CifarFormat{2, 1, 100, "CIFAR-100"}
                                        : CifarFormat{2, 0, 20, "CIFAR-100"};
}

Dataset read_cifar_files(const std::vector<std::string>& paths, const CifarFormat& format,
                         std::vector<std::string> class_names) {
  MINIDL_CHECK(format.label_bytes >= 1 && format.label_index >= 0 &&
                   format.label_index < format.label_bytes && format.num_classes > 0 &&
                   format.num_classes <= 256,
               ValueError, format.name, ": inconsistent record format");
  std::vector<int64_t> counts;
  int64_t total = 0;
  for (const std::string& path : paths) total += counts.emplace_back(count_records(path, format));
  const Tensor images = empty({total, 3, 32, 32}, {.dtype = DType::UInt8});
  const Tensor labels = empty({total}, {.dtype = DType::Int64});
  auto* image_data = static_cast<uint8_t*>(images.data_ptr());
  int64_t* label_data = labels.data<int64_t>();
  const int64_t record = record_bytes(format);
  std::vector<char> buffer;
  int64_t next = 0;
  for (std::size_t f = 0; f < paths.size(); ++f) {
    buffer.resize(static_cast<std::size_t>(counts[f] * record));
    std::ifstream in(paths[f], std::ios::binary);
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    MINIDL_CHECK(in.gcount() == static_cast<std::streamsize>(buffer.size()), IOError, format.name,
                 ": reading ", paths[f], " stopped after ", in.gcount(), " of ", buffer.size(), " bytes");
    for (int64_t r = 0; r < counts[f]; ++r, ++next) {
      const auto* at = reinterpret_cast<const uint8_t*>(buffer.data()) + r * record;
      const int label = at[format.label_index];
      MINIDL_CHECK(label < format.num_classes, IOError, format.name, ": ", paths[f], ": record ", r,
                   " has label ", label, ", expected 0 to ", format.num_classes - 1);
      label_data[next] = label;
      std::memcpy(image_data + next * kCifarImageBytes, at + format.label_bytes, kCifarImageBytes);
    }
  }
  return Dataset(images, labels, format.num_classes, std::move(class_names));
}

std::vector<std::string> read_class_names(const std::string& path) {
  std::vector<std::string> names;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

namespace {
// Names from `file` when it lists exactly num_classes of them; otherwise none (not an error:
// the labels are what training needs).
std::vector<std::string> names_if_complete(const fs::path& file, int num_classes) {
  std::vector<std::string> names = read_class_names(file.string());
  if (static_cast<int>(names.size()) != num_classes) names.clear();
  return names;
}
}  // namespace

Dataset load_cifar10(const std::string& dir, CifarSplit split) {
  const fs::path root(dir);
  std::vector<std::string> paths;
  if (split == CifarSplit::Train)
    for (int b = 1; b <= 5; ++b)
      paths.push_back((root / ("data_batch_" + std::to_string(b) + ".bin")).string());
  else
    paths.push_back((root / "test_batch.bin").string());
  return read_cifar_files(paths, cifar10_format(), names_if_complete(root / "batches.meta.txt", 10));
}

Dataset load_cifar100(const std::string& dir, CifarSplit split, Cifar100Labels labels) {
  const fs::path root(dir);
  const CifarFormat format = cifar100_format(labels);
  const char* names = labels == Cifar100Labels::Fine ? "fine_label_names.txt" : "coarse_label_names.txt";
  return read_cifar_files({(root / (split == CifarSplit::Train ? "train.bin" : "test.bin")).string()}, format,
                          names_if_complete(root / names, format.num_classes));
}

std::string cifar10_dir(const std::string& flag) {
  const char* env = std::getenv("CIFAR10_DIR");
  const std::string dir = !flag.empty() ? flag : (env != nullptr ? env : "");
  MINIDL_CHECK(
      !dir.empty(), IOError,
      "CIFAR-10: no data directory; pass it as a flag or set CIFAR10_DIR to the folder of data_batch_1.bin");
  std::error_code error;
  MINIDL_CHECK(fs::is_directory(dir, error), IOError, "CIFAR-10: ", dir, " (from ",
               !flag.empty() ? "the flag" : "CIFAR10_DIR", ") is not a directory");
  return dir;
}

}  // namespace minidl::data
