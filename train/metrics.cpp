// Metrics log in JSON Lines with nlohmann-json, whose number output round-trips
// doubles exactly. A last line without its newline is a write torn by a crash:
// reading skips it if it does not parse, and appending cuts it off first (or
// ends it with its newline when it does parse), so the file stays readable.
#include "train/metrics.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "core/io/atomic_file.h"
#include "core/io/escape.h"

namespace minidl::train {
namespace {
using Json = nlohmann::json;

struct Field {
  const char* name;
  double EpochRecord::*member;
};
constexpr Field kFields[] = {{"train_loss", &EpochRecord::train_loss},
                             {"train_acc", &EpochRecord::train_acc},
                             {"test_loss", &EpochRecord::test_loss},
                             {"test_acc", &EpochRecord::test_acc},
                             {"lr", &EpochRecord::lr},
                             {"seconds", &EpochRecord::seconds},
                             {"images_per_s", &EpochRecord::images_per_s}};

Json number(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }

struct Lines {
  std::vector<std::string> complete;
  std::string torn;  // text after the last newline
};

Lines split_lines(const std::string& bytes) {
  Lines lines;
  std::size_t begin = 0;
  for (std::size_t end; (end = bytes.find('\n', begin)) != std::string::npos; begin = end + 1)
    lines.complete.push_back(bytes.substr(begin, end - begin));
  lines.torn = bytes.substr(begin);
  return lines;
}

bool blank(const std::string& line) { return line.find_first_not_of(" \t\r") == std::string::npos; }
}  // namespace

std::string to_json_line(const EpochRecord& record) {
  Json json = Json::object();
  json["epoch"] = record.epoch;
  for (const Field& field : kFields) json[field.name] = number(record.*field.member);
  const auto add = [&](const std::string& key, Json value) {
    MINIDL_CHECK(!json.contains(key), ValueError, "metrics record of epoch ", record.epoch,
                 ": extra field \"", key, "\" is already a field");
    json[key] = std::move(value);
  };
  for (const auto& [key, value] : record.extra) add(key, number(value));
  for (const auto& [key, value] : record.text) add(key, value);
  return json.dump();
}

EpochRecord parse_json_line(const std::string& line, const std::string& where) {
  Json json;
  try {
    json = Json::parse(line);
  } catch (const Json::exception& error) {
    throw ValueError(where + ": not JSON (" + io::escaped(error.what(), 300) + ")");
  }
  MINIDL_CHECK(json.is_object(), ValueError, where, ": a record must be a JSON object");
  MINIDL_CHECK(json.contains("epoch") && json["epoch"].is_number_integer(), ValueError, where,
               ": a record needs an integer \"epoch\"");
  EpochRecord record;
  record.epoch = json["epoch"].get<int64_t>();
  for (const auto& [key, value] : json.items()) {
    if (key == "epoch") continue;
    double* known = nullptr;
    for (const Field& field : kFields)
      if (key == field.name) known = &(record.*field.member);
    if (value.is_string()) {
      MINIDL_CHECK(known == nullptr, ValueError, where, ": \"", io::escaped(key), "\" must be a number");
      record.text[key] = value.get<std::string>();
      continue;
    }
    MINIDL_CHECK(value.is_number() || value.is_null(), ValueError, where, ": \"", io::escaped(key),
                 "\" must be a number, null or a string");
    const double number = value.is_null() ? kNoValue : value.get<double>();
    if (known)
      *known = number;
    else
      record.extra[key] = number;
  }
  return record;
}

MetricsLog::MetricsLog(std::string path, Mode mode) : path_(std::move(path)) {
  bool end_line = false;
  if (mode == Mode::Append && std::filesystem::exists(path_)) {
    const std::string bytes = io::read_file(path_);
    const std::size_t newline = bytes.rfind('\n');
    const std::size_t complete = newline == std::string::npos ? 0 : newline + 1;
    if (complete < bytes.size()) {
      try {
        parse_json_line(bytes.substr(complete));
        end_line = true;
      } catch (const ValueError&) {
        std::error_code error;
        std::filesystem::resize_file(path_, complete, error);
        MINIDL_CHECK(!error, IOError, "cannot cut the torn last line of ", path_, ": ", error.message());
      }
    }
  }
  out_.open(path_, mode == Mode::Append ? std::ios::app : std::ios::trunc);
  MINIDL_CHECK(out_.good(), IOError, "cannot open the metrics log ", path_);
  if (end_line) out_ << '\n';
}

void MetricsLog::append(const EpochRecord& record) {
  out_ << to_json_line(record) << '\n';
  out_.flush();
  MINIDL_CHECK(out_.good(), IOError, "cannot write the metrics log ", path_, " (disk full?)");
}

std::vector<EpochRecord> read_metrics(const std::string& path) { return parse_metrics(io::read_file(path), path); }

std::vector<EpochRecord> parse_metrics(const std::string& bytes, const std::string& path) {
  const Lines lines = split_lines(bytes);
  std::vector<EpochRecord> records;
  for (std::size_t i = 0; i < lines.complete.size(); ++i) {
    if (blank(lines.complete[i])) continue;
    try {
      records.push_back(parse_json_line(lines.complete[i], path + ":" + std::to_string(i + 1)));
    } catch (const ValueError& error) {
      throw IOError(std::string("metrics log ") + error.what());
    }
  }
  if (!blank(lines.torn)) {
    try {
      records.push_back(parse_json_line(lines.torn));
    } catch (const ValueError&) {
      // a line cut short by a crash: not a record
    }
  }
  return records;
}

void keep_epochs_before(const std::string& path, int64_t epoch) {
  if (!std::filesystem::exists(path)) return;
  const std::vector<EpochRecord> records = read_metrics(path);
  io::atomic_write(path, [&](std::ostream& out) {
    for (const EpochRecord& record : records)
      if (record.epoch < epoch) out << to_json_line(record) << '\n';
  });
}

}  // namespace minidl::train
