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

void check_format(const CifarFormat& format) {
  MINIDL_CHECK(format.label_bytes >= 1 && format.label_index >= 0 &&
                   format.label_index < format.label_bytes && format.num_classes > 0 &&
                   format.num_classes <= 256,
               ValueError, format.name, ": inconsistent record format");
}

// Records in `bytes` bytes of `source`: a positive whole number, and exactly `expected` when
// that is positive; IOError naming the file otherwise.
int64_t records_in(uint64_t bytes, const std::string& source, const CifarFormat& format, int64_t expected) {
  const int64_t record = record_bytes(format);
  const auto size = static_cast<int64_t>(bytes);
  MINIDL_CHECK(size > 0, IOError, format.name, ": ", source, " is empty (0 bytes, no records)");
  MINIDL_CHECK(size % record == 0, IOError, format.name, ": ", source, " holds ", size,
               " bytes, not a whole number of ", record, "-byte records (record ", size / record,
               " is truncated after ", size % record, " bytes)");
  const int64_t count = size / record;
  MINIDL_CHECK(expected <= 0 || count == expected, IOError, format.name, ": ", source, " holds ", count,
               " records; the official release has ", expected,
               " in this file (a truncated download? to train on a subset on purpose, allow it: "
               "CifarLoadOptions::allow_subset, or the example's --subset-data)");
  return count;
}

// Records in the file at `path`; IOError when it is missing or fails records_in.
int64_t count_records(const std::string& path, const CifarFormat& format, int64_t expected) {
  std::error_code error;
  const bool regular = fs::is_regular_file(path, error);
  MINIDL_CHECK(regular, IOError, format.name, ": cannot read ", path, " (no such file)");
  const auto bytes = fs::file_size(path, error);
  MINIDL_CHECK(!error, IOError, format.name, ": cannot read the size of ", path, ": ", error.message());
  return records_in(bytes, path, format, expected);
}

// Splits `count` records at `bytes` into images and labels, checking every label.
void decode_records(const char* bytes, int64_t count, const std::string& source, const CifarFormat& format,
                    uint8_t* images, int64_t* labels) {
  const int64_t record = record_bytes(format);
  for (int64_t r = 0; r < count; ++r) {
    const auto* at = reinterpret_cast<const uint8_t*>(bytes) + r * record;
    const int label = at[format.label_index];
    MINIDL_CHECK(label < format.num_classes, IOError, format.name, ": ", source, ": record ", r,
                 " has label ", label, ", expected 0 to ", format.num_classes - 1);
    labels[r] = label;
    std::memcpy(images + r * kCifarImageBytes, at + format.label_bytes, kCifarImageBytes);
  }
}

}  // namespace

CifarFormat cifar10_format() { return {}; }

CifarFormat cifar100_format(Cifar100Labels labels) {
  return labels == Cifar100Labels::Fine ? CifarFormat{2, 1, 100, "CIFAR-100"}
                                        : CifarFormat{2, 0, 20, "CIFAR-100"};
}

ImageDataset read_cifar_files(const std::vector<std::string>& paths, const CifarFormat& format,
                         std::vector<std::string> class_names, int64_t expected_records) {
  check_format(format);
  MINIDL_CHECK(!paths.empty(), ValueError, format.name, ": no files to read");
  std::vector<int64_t> counts;
  int64_t total = 0;
  for (const std::string& path : paths) total += counts.emplace_back(count_records(path, format, expected_records));
  const Tensor images = empty({total, 3, 32, 32}, {.dtype = DType::UInt8});
  const Tensor labels = empty({total}, {.dtype = DType::Int64});
  auto* image_data = static_cast<uint8_t*>(images.data_ptr());
  int64_t* label_data = labels.data<int64_t>();
  std::vector<char> buffer;
  int64_t next = 0;
  for (std::size_t f = 0; f < paths.size(); ++f) {
    buffer.resize(static_cast<std::size_t>(counts[f] * record_bytes(format)));
    std::ifstream in(paths[f], std::ios::binary);
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    MINIDL_CHECK(in.gcount() == static_cast<std::streamsize>(buffer.size()), IOError, format.name,
                 ": reading ", paths[f], " stopped after ", in.gcount(), " of ", buffer.size(), " bytes");
    decode_records(buffer.data(), counts[f], paths[f], format, image_data + next * kCifarImageBytes,
                   label_data + next);
    next += counts[f];
  }
  return ImageDataset(images, labels, format.num_classes, std::move(class_names));
}

ImageDataset parse_cifar_records(const std::string& bytes, const std::string& source, const CifarFormat& format) {
  check_format(format);
  const int64_t count = records_in(bytes.size(), source, format, 0);
  const Tensor images = empty({count, 3, 32, 32}, {.dtype = DType::UInt8});
  const Tensor labels = empty({count}, {.dtype = DType::Int64});
  decode_records(bytes.data(), count, source, format, static_cast<uint8_t*>(images.data_ptr()),
                 labels.data<int64_t>());
  return ImageDataset(images, labels, format.num_classes);
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

ImageDataset load_cifar10(const std::string& dir, CifarSplit split, CifarLoadOptions options) {
  const fs::path root(dir);
  std::vector<std::string> paths;
  if (split == CifarSplit::Train)
    for (int b = 1; b <= 5; ++b)
      paths.push_back((root / ("data_batch_" + std::to_string(b) + ".bin")).string());
  else
    paths.push_back((root / "test_batch.bin").string());
  return read_cifar_files(paths, cifar10_format(), names_if_complete(root / "batches.meta.txt", 10),
                          options.allow_subset ? 0 : 10000);
}

ImageDataset load_cifar100(const std::string& dir, CifarSplit split, Cifar100Labels labels, CifarLoadOptions options) {
  const fs::path root(dir);
  const CifarFormat format = cifar100_format(labels);
  const char* names = labels == Cifar100Labels::Fine ? "fine_label_names.txt" : "coarse_label_names.txt";
  const int64_t official = split == CifarSplit::Train ? 50000 : 10000;
  return read_cifar_files({(root / (split == CifarSplit::Train ? "train.bin" : "test.bin")).string()}, format,
                          names_if_complete(root / names, format.num_classes), options.allow_subset ? 0 : official);
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
