// Generator state and the per-device default generators (Philox4x32-10 offsets
// counted in blocks of four 32-bit words; Salmon et al. 2011).
#include "core/generator.h"

#include <map>
#include <memory>

#include "core/error.h"

namespace minidl {

Generator::Generator(uint64_t seed, Device device) : seed_(seed), device_(device) {}

void Generator::manual_seed(uint64_t seed) {
  std::lock_guard lock(mutex_);
  seed_ = seed;
  offset_ = 0;
}

uint64_t Generator::seed() const {
  std::lock_guard lock(mutex_);
  return seed_;
}

uint64_t Generator::offset() const {
  std::lock_guard lock(mutex_);
  return offset_;
}

void Generator::set_offset(uint64_t offset) {
  std::lock_guard lock(mutex_);
  offset_ = offset;
}

PhiloxSeed Generator::next(uint64_t n_elements) {
  std::lock_guard lock(mutex_);
  const PhiloxSeed current{seed_, offset_};
  offset_ += random_blocks(n_elements);
  return current;
}

GeneratorState Generator::state() const {
  std::lock_guard lock(mutex_);
  return {seed_, offset_};
}

void Generator::set_state(const GeneratorState& state) {
  std::lock_guard lock(mutex_);
  seed_ = state.seed;
  offset_ = state.offset;
}

namespace {
struct DefaultGenerators {
  std::mutex mutex;
  uint64_t seed = Generator::kDefaultSeed;
  std::map<int, std::unique_ptr<Generator>> by_device;  // key: -1 for the CPU, else the CUDA index
};

// Never destroyed, so a generator outlives every static that might use it at exit.
DefaultGenerators& defaults() {
  static auto* instance = new DefaultGenerators();
  return *instance;
}
}  // namespace

Generator& default_generator(const Device& device) {
  MINIDL_CHECK(device.is_cpu() || device.index >= 0, DeviceError, "default_generator: invalid device ",
               device);
  DefaultGenerators& all = defaults();
  std::lock_guard lock(all.mutex);
  auto& slot = all.by_device[device.is_cpu() ? -1 : device.index];
  if (!slot) slot = std::make_unique<Generator>(all.seed, device.is_cpu() ? Device::cpu() : device);
  return *slot;
}

void manual_seed(uint64_t seed) {
  DefaultGenerators& all = defaults();
  std::lock_guard lock(all.mutex);
  all.seed = seed;  // for the generators of devices not used yet
  for (auto& [key, generator] : all.by_device) generator->manual_seed(seed);
}

}  // namespace minidl
