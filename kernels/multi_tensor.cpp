// Multi-tensor apply's packing of tensors and chunks into launches (kernels/multi_tensor.h).
#include "kernels/multi_tensor.h"

#include <limits>

#include "core/error.h"

namespace minidl::kernels {

bool vector_aligned(const std::vector<void*>& addresses) {
  for (void* address : addresses)
    if (reinterpret_cast<uintptr_t>(address) % kVectorBytes != 0) return false;
  return true;
}

namespace {
void check_refs(const TensorListRefs& refs, const MultiTensorLimits& limits) {
  MINIDL_CHECK(limits.max_tensors > 0 && limits.max_items > 0 && limits.chunk_size > 0, ValueError,
               "plan_multi_tensor: limits must be positive, got max_tensors=", limits.max_tensors,
               " max_items=", limits.max_items, " chunk_size=", limits.chunk_size);
  MINIDL_CHECK(limits.max_tensors <= std::numeric_limits<uint16_t>::max() + 1, ValueError,
               "plan_multi_tensor: at most 65536 tensor slots per launch, got ", limits.max_tensors);
  MINIDL_CHECK(refs.element_size > 0 &&
                   (static_cast<std::size_t>(limits.chunk_size) * refs.element_size) % kVectorBytes == 0,
               ValueError, "plan_multi_tensor: a chunk of ", limits.chunk_size, " elements of ",
               refs.element_size, " bytes is not a multiple of ", kVectorBytes,
               " bytes, so chunks would break vector alignment");
  MINIDL_CHECK(!refs.addresses.empty(), ValueError, "plan_multi_tensor: no lists");
  for (std::size_t l = 0; l < refs.addresses.size(); ++l)
    MINIDL_CHECK(refs.addresses[l].size() == refs.numel.size(), ValueError, "plan_multi_tensor: list ", l,
                 " has ", refs.addresses[l].size(), " addresses for ", refs.numel.size(), " tensors");
}
}  // namespace

std::vector<LaunchPlan> plan_multi_tensor(const TensorListRefs& refs, const MultiTensorLimits& limits) {
  check_refs(refs, limits);
  std::vector<LaunchPlan> launches;
  LaunchPlan current;
  const auto flush = [&] {
    launches.push_back(std::move(current));
    current = LaunchPlan{};
  };
  std::vector<void*> pointers(refs.addresses.size());
  for (std::size_t t = 0; t < refs.numel.size(); ++t) {
    const int64_t numel = refs.numel[t];
    MINIDL_CHECK(numel >= 0, ValueError, "plan_multi_tensor: tensor ", t, " has ", numel, " elements");
    if (numel == 0) continue;
    for (std::size_t l = 0; l < pointers.size(); ++l) pointers[l] = refs.addresses[l][t];
    const bool vectorized = vector_aligned(pointers);
    const int64_t chunks = (numel + limits.chunk_size - 1) / limits.chunk_size;
    MINIDL_CHECK(chunks - 1 <= std::numeric_limits<int32_t>::max(), ValueError, "plan_multi_tensor: tensor ",
                 t, " has ", chunks, " chunks of ", limits.chunk_size,
                 " elements, more than an int32 indexes");
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      if (static_cast<int>(current.items.size()) == limits.max_items) flush();
      const bool packed = !current.tensors.empty() && current.tensors.back().index == static_cast<int64_t>(t);
      if (!packed) {
        if (static_cast<int>(current.tensors.size()) == limits.max_tensors) flush();
        current.tensors.push_back({static_cast<int64_t>(t), vectorized});
      }
      current.items.push_back({static_cast<int32_t>(current.tensors.size() - 1), chunk});
    }
  }
  if (!current.items.empty()) flush();
  return launches;
}

int64_t choose_chunk_size(int64_t total_numel) {
  int64_t chunk = kMinChunk;
  while (chunk < kMaxChunk && chunk * kTargetItems < total_numel) chunk *= 2;
  return chunk;
}

}  // namespace minidl::kernels
