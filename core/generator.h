// Generator: the (seed, offset) state of a Philox4x32-10 stream (Salmon et al. 2011).
// Each random op takes the current (seed, offset) and advances the offset by the
// blocks it consumes, ceil(n/4), so a sequence of ops is reproducible from the seed
// alone and the same on CPU and GPU. State is saved in checkpoints as GeneratorState.
#pragma once

#include <cstdint>
#include <mutex>

#include "core/device.h"
#include "core/philox_seed.h"

namespace minidl {

/// What a checkpoint stores of a generator.
struct GeneratorState {
  uint64_t seed = 0;
  uint64_t offset = 0;
  friend bool operator==(const GeneratorState&, const GeneratorState&) = default;
};

/// A counter-based random stream for the tensors of one device; thread-safe.
class Generator {
 public:
  /// PyTorch's default seed.
  static constexpr uint64_t kDefaultSeed = 67280421310721ull;

  explicit Generator(uint64_t seed = kDefaultSeed, Device device = Device::cpu());
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  /// Restarts the stream: this seed, offset 0.
  void manual_seed(uint64_t seed);
  uint64_t seed() const;
  /// The next unused Philox block.
  uint64_t offset() const;
  void set_offset(uint64_t offset);
  /// The device whose tensors this generator fills.
  Device device() const { return device_; }

  /// The (seed, offset) for an op on n_elements, and advances the offset by ceil(n_elements / 4).
  PhiloxSeed next(uint64_t n_elements);

  GeneratorState state() const;
  void set_state(const GeneratorState& state);

 private:
  mutable std::mutex mutex_;
  uint64_t seed_;
  uint64_t offset_ = 0;
  Device device_;
};

/// The generator random ops on `device` use when given none; one per device, seeded with
/// kDefaultSeed or the last manual_seed.
Generator& default_generator(const Device& device = Device::cpu());

/// Seeds the default generators of the CPU and of every CUDA device (offsets back to 0), so
/// the same seed gives the same values on CPU and GPU.
void manual_seed(uint64_t seed);

}  // namespace minidl
