// Readers of the CIFAR-10 and CIFAR-100 binary releases (Krizhevsky 2009,
// https://www.cs.toronto.edu/~kriz/cifar.html): fixed-size records of label byte(s) then
// 3072 image bytes (planes R, G, B of 32x32, row-major). Every file is checked before use.
#pragma once

#include <string>
#include <vector>

#include "data/image_dataset.h"

namespace minidl::data {

enum class CifarSplit { Train, Test };
/// CIFAR-100 records carry a coarse (20 superclasses) and a fine (100 classes) label.
enum class Cifar100Labels { Fine, Coarse };

/// The record layout of one release.
struct CifarFormat {
  int label_bytes = 1;  ///< 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine)
  int label_index = 0;  ///< which label byte is the class
  int num_classes = 10;
  const char* name = "CIFAR-10";
};

/// How strictly load_cifar10/100 check the files against the official release.
struct CifarLoadOptions {
  /// false: every file must hold exactly the official number of records (10,000 per CIFAR-10
  /// file, 50,000/10,000 in CIFAR-100's train.bin/test.bin), so a truncated or emptied download
  /// is an error instead of a silently smaller data set. true: any positive number is accepted
  /// (a subset made on purpose).
  bool allow_subset = false;
};
inline constexpr int64_t kCifarImageBytes = 3 * 32 * 32;
CifarFormat cifar10_format();
CifarFormat cifar100_format(Cifar100Labels labels);

/// Reads `paths` in order into one dataset. Before reading any data every file must exist
/// and hold a positive whole number of records (exactly `expected_records` when that is
/// positive); then every label must be in range. Violations throw IOError naming the file (and
/// the record index for a bad label).
ImageDataset read_cifar_files(const std::vector<std::string>& paths, const CifarFormat& format,
                         std::vector<std::string> class_names = {}, int64_t expected_records = 0);

/// The records held in `bytes` (one file's contents; `source` names it in errors), with the
/// checks of read_cifar_files. The in-memory entry point the fuzz target drives.
ImageDataset parse_cifar_records(const std::string& bytes, const std::string& source, const CifarFormat& format);

/// CIFAR-10 from `dir` (data_batch_1..5.bin or test_batch.bin), class names from batches.meta.txt
/// when present: 50,000 training or 10,000 test images.
ImageDataset load_cifar10(const std::string& dir, CifarSplit split, CifarLoadOptions options = {});
/// CIFAR-100 from `dir` (train.bin or test.bin), names from fine/coarse_label_names.txt when present.
ImageDataset load_cifar100(const std::string& dir, CifarSplit split, Cifar100Labels labels = Cifar100Labels::Fine,
                      CifarLoadOptions options = {});

/// The non-empty lines of a text file (trailing whitespace removed); empty when it does not exist.
std::vector<std::string> read_class_names(const std::string& path);

/// Where CIFAR-10 lives: `flag` when not empty, else $CIFAR10_DIR; throws IOError naming both
/// when neither is set or the directory does not exist.
std::string cifar10_dir(const std::string& flag = "");

}  // namespace minidl::data
