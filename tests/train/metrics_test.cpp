// Metrics log: JSON Lines round trip (doubles bit for bit, NaN as null, extra
// fields), append vs truncate, a flush per record, torn last lines, errors naming
// file and line, and dropping the records after a resume point.
#include "train/metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/io/atomic_file.h"

namespace minidl::train {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("minidl_" + name + "_" + std::to_string(::getpid())))
      .string();
}

EpochRecord record(int64_t epoch) {
  EpochRecord r;
  r.epoch = epoch;
  r.train_loss = 1.0 / 3 + static_cast<double>(epoch);  // not short in decimal
  r.train_acc = 0.1 + 0.2;
  r.test_loss = 2.5e-7;
  r.test_acc = 0.875;
  r.lr = 0.1 * std::pow(0.5, static_cast<double>(epoch));
  r.seconds = 12.25;
  r.images_per_s = 4096.5;
  return r;
}

void expect_same(const EpochRecord& a, const EpochRecord& b) {
  EXPECT_EQ(a.epoch, b.epoch);
  const auto same = [](double x, double y) { return (std::isnan(x) && std::isnan(y)) || x == y; };
  EXPECT_PRED2(same, a.train_loss, b.train_loss);
  EXPECT_PRED2(same, a.train_acc, b.train_acc);
  EXPECT_PRED2(same, a.test_loss, b.test_loss);
  EXPECT_PRED2(same, a.test_acc, b.test_acc);
  EXPECT_PRED2(same, a.lr, b.lr);
  EXPECT_PRED2(same, a.seconds, b.seconds);
  EXPECT_PRED2(same, a.images_per_s, b.images_per_s);
  ASSERT_EQ(a.extra.size(), b.extra.size());
  for (const auto& [key, value] : a.extra) EXPECT_PRED2(same, value, b.extra.at(key)) << key;
  EXPECT_EQ(a.text, b.text);
}

TEST(Metrics, RoundTripsEveryFieldExactly) {
  const std::string path = temp_path("metrics_roundtrip.jsonl");
  EpochRecord first = record(1);
  first.extra = {{"grad_norm", 3.0000000000000004}, {"ema_test_acc", std::nan("")}};
  first.text = {{"note", "warm \"restart\"\n"}};
  EpochRecord second = record(2);
  second.test_loss = second.test_acc = kNoValue;  // no test set this epoch
  {
    MetricsLog log(path, MetricsLog::Mode::Truncate);
    log.append(first);
    log.append(second);
  }
  const auto back = read_metrics(path);
  ASSERT_EQ(back.size(), 2u);
  expect_same(back[0], first);
  expect_same(back[1], second);
  const std::string text = io::read_file(path);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << "one record per line";
  EXPECT_NE(text.find("\"test_acc\":null"), std::string::npos) << text;
  EXPECT_NE(text.find("\"ema_test_acc\":null"), std::string::npos) << text;
  std::filesystem::remove(path);
}

TEST(Metrics, FlushesEachRecordAndAppendsOrTruncates) {
  const std::string path = temp_path("metrics_append.jsonl");
  {
    MetricsLog log(path, MetricsLog::Mode::Truncate);
    log.append(record(1));
    EXPECT_EQ(read_metrics(path).size(), 1u) << "readable while the log is open";
    log.append(record(2));
    EXPECT_EQ(read_metrics(path).size(), 2u);
  }
  {
    MetricsLog log(path);  // a resumed run appends
    log.append(record(3));
  }
  auto back = read_metrics(path);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[2].epoch, 3);
  {
    MetricsLog log(path, MetricsLog::Mode::Truncate);
    log.append(record(7));
  }
  back = read_metrics(path);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].epoch, 7);
  std::filesystem::remove(path);
}

TEST(Metrics, ATornLastLineIsSkippedAndCutBeforeAppending) {
  const std::string path = temp_path("metrics_torn.jsonl");
  std::ofstream(path) << to_json_line(record(1)) << "\n"
                      << R"({"epoch":2,"train_lo)";
  ASSERT_EQ(read_metrics(path).size(), 1u);
  {
    MetricsLog log(path);
    log.append(record(2));
  }
  auto back = read_metrics(path);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].epoch, 2);
  // A last record complete but for its newline is kept and ended.
  std::ofstream(path) << to_json_line(record(1)) << "\n" << to_json_line(record(2));
  EXPECT_EQ(read_metrics(path).size(), 2u);
  {
    MetricsLog log(path);
    log.append(record(3));
  }
  back = read_metrics(path);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[2].epoch, 3);
  std::filesystem::remove(path);
}

TEST(Metrics, ABadLineNamesFileAndLine) {
  const std::string path = temp_path("metrics_bad.jsonl");
  std::ofstream(path) << to_json_line(record(1)) << "\n\n"
                      << R"({"train_loss": 1})"
                      << "\n";
  try {
    read_metrics(path);
    FAIL() << "a record without epoch was accepted";
  } catch (const IOError& error) {
    EXPECT_NE(std::string(error.what()).find(path + ":3"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("epoch"), std::string::npos) << error.what();
  }
  std::ofstream(path) << R"({"epoch": 1, "lr": "fast"})"
                      << "\n";
  EXPECT_THROW(read_metrics(path), IOError);
  std::ofstream(path) << "not json\n";
  EXPECT_THROW(read_metrics(path), IOError);
  EXPECT_THROW(read_metrics(path + ".missing"), IOError);
  std::filesystem::remove(path);
}

TEST(Metrics, ExtraFieldsMayNotShadowFields) {
  EpochRecord r = record(1);
  r.extra["lr"] = 3;
  EXPECT_THROW(to_json_line(r), ValueError);
  r.extra.clear();
  r.text["epoch"] = "one";
  EXPECT_THROW(to_json_line(r), ValueError);
}

TEST(Metrics, KeepsOnlyEpochsBeforeAResumePoint) {
  const std::string path = temp_path("metrics_resume.jsonl");
  {
    MetricsLog log(path, MetricsLog::Mode::Truncate);
    for (int epoch = 1; epoch <= 5; ++epoch) log.append(record(epoch));
  }
  keep_epochs_before(path, 3);
  const auto back = read_metrics(path);
  ASSERT_EQ(back.size(), 2u);
  expect_same(back[0], record(1));
  expect_same(back[1], record(2));
  keep_epochs_before(path + ".missing", 3);  // nothing to trim
  EXPECT_FALSE(std::filesystem::exists(path + ".missing"));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace minidl::train
