// Fuzz target: the training-checkpoint loader (train/checkpoint.*). The bytes are parsed as
// safetensors, then loaded into a fixed small model, optimizer, schedule and extra state
// (training_fixture.h), so wrong names, shapes, dtypes, counters and metadata all reach the
// checks. A minidl::Error is a proper rejection; anything else is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "tests/fuzz/training_fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace minidl;
  try {
    const io::Safetensors file =
        io::parse_safetensors(std::string(reinterpret_cast<const char*>(data), size), "fuzz.ckpt");
    fuzz::TrainingFixture fixture;
    train::TrainingState state = fixture.state();
    train::load_checkpoint(file, "fuzz.ckpt", state);
  } catch (const Error&) {
  }
  return 0;
}
