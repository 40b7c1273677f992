// Fuzz target: the safetensors reader (core/io/safetensors.*) on arbitrary bytes: header
// length, JSON, dtypes, shapes, offsets. A minidl::Error is a proper rejection; any other
// exception, a crash, a leak or undefined behaviour is a finding. A file that is accepted
// must also write back and read again to the same bytes, so every tensor's bytes are read.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "core/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace minidl;
  io::Safetensors file;
  try {
    file = io::parse_safetensors(std::string(reinterpret_cast<const char*>(data), size), "fuzz.safetensors");
  } catch (const Error&) {
    return 0;
  }
  // Not caught: what the reader accepted the writer must take.
  const std::string written = io::serialize_safetensors(file.tensors, file.metadata);
  const io::Safetensors again = io::parse_safetensors(written, "rewritten.safetensors");
  if (io::serialize_safetensors(again.tensors, again.metadata) != written) {
    std::fprintf(stderr, "safetensors_fuzz: a rewritten file reads back differently\n");
    std::abort();
  }
  return 0;
}
