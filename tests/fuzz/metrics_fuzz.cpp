// Fuzz target: the JSON-lines metrics log (train/metrics.*) that cifar10_train reads back on
// --resume. A minidl::Error is a proper rejection; anything else is a finding. An accepted
// log's records must write out and parse again.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "train/metrics.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace minidl;
  std::vector<train::EpochRecord> records;
  try {
    records = train::parse_metrics(std::string(reinterpret_cast<const char*>(data), size), "fuzz.jsonl");
  } catch (const Error&) {
    return 0;
  }
  std::string written;
  for (const auto& record : records) written += train::to_json_line(record) + "\n";
  (void)train::parse_metrics(written, "rewritten.jsonl");  // not caught: it must be accepted
  return 0;
}
