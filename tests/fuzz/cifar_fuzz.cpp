// Fuzz target: the CIFAR-10/100 record reader (data/cifar.*). The first byte picks the
// format (CIFAR-10, CIFAR-100 fine or coarse labels); the rest is one file's contents.
// A minidl::Error is a proper rejection; anything else is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "data/cifar.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace minidl;
  if (size == 0) return 0;
  const data::CifarFormat formats[] = {data::cifar10_format(), data::cifar100_format(data::Cifar100Labels::Fine),
                                       data::cifar100_format(data::Cifar100Labels::Coarse)};
  const data::CifarFormat& format = formats[data[0] % 3];
  try {
    const auto dataset =
        data::parse_cifar_records(std::string(reinterpret_cast<const char*>(data + 1), size - 1), "fuzz.bin", format);
    (void)dataset.size();
  } catch (const Error&) {
  }
  return 0;
}
