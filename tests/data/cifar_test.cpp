// CIFAR-10 and CIFAR-100 binary readers (data/cifar.*) on files written by the test in a
// temporary directory: exact images, labels and class names; and every malformed case (missing
// file, empty file, partial record, a file shorter than the release's, label out of range) as an
// IOError naming the file and the record.
#include "data/cifar.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace minidl::data {
namespace {
namespace fs = std::filesystem;

// The test files are small: subsets of the official 10,000 records per file.
constexpr CifarLoadOptions kSubset{.allow_subset = true};

// Byte k of the image of global record r: a pattern no two records share.
uint8_t pixel(int64_t r, int64_t k) { return static_cast<uint8_t>((r * 131 + k * 7 + k / 1024) % 256); }

class CifarFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("minidl_cifar_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `count` records from global record `first` on; labels from label_of(r) (one or two bytes).
  std::string write(const std::string& name, int64_t first, int64_t count,
                    const std::vector<int>& labels_per_record, int64_t truncate_by = 0) {
    std::string bytes;
    for (int64_t r = first; r < first + count; ++r) {
      for (int label : labels_per_record)
        bytes.push_back(static_cast<char>(label >= 0 ? label : (r % -label)));
      for (int64_t k = 0; k < kCifarImageBytes; ++k) bytes.push_back(static_cast<char>(pixel(r, k)));
    }
    bytes.resize(bytes.size() - static_cast<std::size_t>(truncate_by));
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path.string();
  }
  void write_text(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  // CIFAR-10 training files of 7, 5, 6, 4, 3 records; labels r % 10.
  void write_cifar10_train() {
    int64_t first = 0;
    const int64_t counts[] = {7, 5, 6, 4, 3};
    for (int b = 0; b < 5; ++b) {
      write("data_batch_" + std::to_string(b + 1) + ".bin", first, counts[b], {-10});
      first += counts[b];
    }
  }
  template <typename F> std::string io_error(F&& f) {
    try {
      f();
    } catch (const IOError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no IOError";
    return "";
  }

  fs::path dir_;
};

void expect_records(const ImageDataset& data, int64_t first, const std::vector<int64_t>& labels) {
  ASSERT_EQ(data.size(), static_cast<int64_t>(labels.size()));
  EXPECT_EQ(data.images().shape(), (Shape{data.size(), 3, 32, 32}));
  EXPECT_EQ(data.labels().to_vector<int64_t>(), labels);
  const std::vector<uint8_t> px = data.images().to_vector<uint8_t>();
  for (int64_t i = 0; i < data.size(); ++i)
    for (int64_t k = 0; k < kCifarImageBytes; ++k)
      ASSERT_EQ(px[static_cast<std::size_t>(i * kCifarImageBytes + k)], pixel(first + i, k)) << i << " " << k;
}

TEST_F(CifarFiles, ReadsTheTrainAndTestSplitsOfCifar10) {
  write_cifar10_train();
  write("test_batch.bin", 100, 4, {-10});
  write_text("batches.meta.txt", "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
  const ImageDataset train = load_cifar10(dir_.string(), CifarSplit::Train, kSubset);
  std::vector<int64_t> labels;
  for (int64_t r = 0; r < 25; ++r) labels.push_back(r % 10);
  expect_records(train, 0, labels);
  EXPECT_EQ(train.num_classes(), 10);
  ASSERT_EQ(train.class_names().size(), 10u);
  EXPECT_EQ(train.class_names()[0], "airplane");
  EXPECT_EQ(train.class_names()[9], "truck");
  const ImageDataset test = load_cifar10(dir_.string(), CifarSplit::Test, kSubset);
  expect_records(test, 100, {0, 1, 2, 3});
}

TEST_F(CifarFiles, ClassNamesAreOptional) {
  write("test_batch.bin", 0, 2, {-10});
  EXPECT_TRUE(load_cifar10(dir_.string(), CifarSplit::Test, kSubset).class_names().empty());
  write_text("batches.meta.txt", "just\nthree\nnames\n");  // incomplete: ignored
  EXPECT_TRUE(load_cifar10(dir_.string(), CifarSplit::Test, kSubset).class_names().empty());
}

TEST_F(CifarFiles, ReadsCifar100FineOrCoarseLabels) {
  // Coarse label r % 20 first, then fine label r % 100 (the release's byte order).
  write("train.bin", 0, 130, {-20, -100});
  write_text("fine_label_names.txt", [] {
    std::string s;
    for (int i = 0; i < 100; ++i) s += "fine" + std::to_string(i) + "\n";
    return s;
  }());
  const ImageDataset fine = load_cifar100(dir_.string(), CifarSplit::Train, Cifar100Labels::Fine, kSubset);
  const ImageDataset coarse = load_cifar100(dir_.string(), CifarSplit::Train, Cifar100Labels::Coarse, kSubset);
  std::vector<int64_t> fine_labels, coarse_labels;
  for (int64_t r = 0; r < 130; ++r) fine_labels.push_back(r % 100), coarse_labels.push_back(r % 20);
  expect_records(fine, 0, fine_labels);
  expect_records(coarse, 0, coarse_labels);
  EXPECT_EQ(fine.num_classes(), 100);
  EXPECT_EQ(coarse.num_classes(), 20);
  EXPECT_EQ(fine.class_names()[42], "fine42");
  EXPECT_TRUE(coarse.class_names().empty());
}

TEST_F(CifarFiles, AMissingFileIsNamedBeforeAnyDataIsRead) {
  write_cifar10_train();
  write("data_batch_1.bin", 0, 7, {12});  // a bad label in an earlier file...
  fs::remove(dir_ / "data_batch_4.bin");  // ...but the missing file is found first
  const std::string message = io_error([&] { load_cifar10(dir_.string(), CifarSplit::Train, kSubset); });
  EXPECT_NE(message.find((dir_ / "data_batch_4.bin").string()), std::string::npos) << message;
  EXPECT_NE(message.find("no such file"), std::string::npos) << message;
}

TEST_F(CifarFiles, APartialRecordNamesFileAndRecord) {
  write_cifar10_train();
  write("data_batch_3.bin", 12, 6, {-10}, /*truncate_by=*/100);
  const std::string message = io_error([&] { load_cifar10(dir_.string(), CifarSplit::Train, kSubset); });
  EXPECT_NE(message.find((dir_ / "data_batch_3.bin").string()), std::string::npos) << message;
  EXPECT_NE(message.find("record 5"), std::string::npos) << message;  // records 0-4 whole, 5 cut
  EXPECT_NE(message.find("3073"), std::string::npos) << message;
}

TEST_F(CifarFiles, ALabelOutOfRangeNamesFileAndRecord) {
  write("test_batch.bin", 0, 9, {-10});
  {  // record 6 gets label 10
    std::fstream f(dir_ / "test_batch.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(6 * (kCifarImageBytes + 1));
    f.put(static_cast<char>(10));
  }
  std::string message = io_error([&] { load_cifar10(dir_.string(), CifarSplit::Test, kSubset); });
  EXPECT_NE(message.find((dir_ / "test_batch.bin").string()), std::string::npos) << message;
  EXPECT_NE(message.find("record 6"), std::string::npos) << message;
  EXPECT_NE(message.find("label 10"), std::string::npos) << message;
  // CIFAR-100: a fine label of 100, and a coarse label of 20 (checked only when coarse is asked for).
  write("test.bin", 0, 3, {20, 100});
  message = io_error([&] { load_cifar100(dir_.string(), CifarSplit::Test, Cifar100Labels::Fine, kSubset); });
  EXPECT_NE(message.find("record 0 has label 100"), std::string::npos) << message;
  message = io_error([&] { load_cifar100(dir_.string(), CifarSplit::Test, Cifar100Labels::Coarse, kSubset); });
  EXPECT_NE(message.find("record 0 has label 20"), std::string::npos) << message;
  EXPECT_NE(message.find((dir_ / "test.bin").string()), std::string::npos) << message;
}

TEST_F(CifarFiles, AnEmptyFileIsAnErrorEvenForASubset) {
  // A download that left data_batch_1.bin at 0 bytes must not train on the other four silently.
  write_cifar10_train();
  write("data_batch_1.bin", 0, 0, {-10});
  const std::string message = io_error([&] { load_cifar10(dir_.string(), CifarSplit::Train, kSubset); });
  EXPECT_NE(message.find((dir_ / "data_batch_1.bin").string()), std::string::npos) << message;
  EXPECT_NE(message.find("is empty"), std::string::npos) << message;
}

TEST_F(CifarFiles, FilesMustHoldTheReleasesRecordCountUnlessASubsetIsAllowed) {
  write_cifar10_train();  // 7, 5, 6, 4, 3 records
  std::string message = io_error([&] { load_cifar10(dir_.string(), CifarSplit::Train); });
  EXPECT_NE(message.find((dir_ / "data_batch_1.bin").string()), std::string::npos) << message;
  EXPECT_NE(message.find("holds 7 records; the official release has 10000"), std::string::npos) << message;
  EXPECT_NE(message.find("--subset-data"), std::string::npos) << message;
  write("test.bin", 0, 3, {-20, -100});
  message = io_error([&] { load_cifar100(dir_.string(), CifarSplit::Test); });
  EXPECT_NE(message.find("holds 3 records; the official release has 10000"), std::string::npos) << message;
  EXPECT_EQ(load_cifar10(dir_.string(), CifarSplit::Train, kSubset).size(), 25);
}

TEST_F(CifarFiles, ParsesRecordsFromBytes) {
  const std::string path = write("test_batch.bin", 3, 4, {-10});
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  expect_records(parse_cifar_records(bytes, "memory", cifar10_format()), 3, {3, 4, 5, 6});
  const std::string message = io_error([&] { parse_cifar_records(bytes.substr(1), "memory", cifar10_format()); });
  EXPECT_NE(message.find("memory holds 12291 bytes"), std::string::npos) << message;
}

TEST_F(CifarFiles, TheDirectoryComesFromTheFlagOrTheEnvironment) {
  const char* saved = std::getenv("CIFAR10_DIR");
  const std::string restore = saved != nullptr ? saved : "";
  ::unsetenv("CIFAR10_DIR");
  EXPECT_THROW(cifar10_dir(), IOError);
  EXPECT_EQ(cifar10_dir(dir_.string()), dir_.string());
  EXPECT_THROW(cifar10_dir((dir_ / "nowhere").string()), IOError);
  ::setenv("CIFAR10_DIR", dir_.string().c_str(), 1);
  EXPECT_EQ(cifar10_dir(), dir_.string());
  EXPECT_EQ(cifar10_dir("/tmp"), "/tmp");  // the flag wins
  if (saved != nullptr)
    ::setenv("CIFAR10_DIR", restore.c_str(), 1);
  else
    ::unsetenv("CIFAR10_DIR");
}

}  // namespace
}  // namespace minidl::data
