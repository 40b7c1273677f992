// Host-side rules of the cuDNN algorithm choice (kernels/cuda/conv.cpp), without CUDA so the
// CPU build tests them: the candidates are tried in the heuristics' order from the one that
// last worked, a candidate that fails to run (an unsupported configuration, no memory for its
// workspace) passes the call to the next, as PyTorch does, and the pointer alignment is part of
// what a choice is cached for (an algorithm may need 16-byte aligned data).
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <type_traits>
#include <vector>

#include "core/error.h"

namespace minidl::kernels::cuda {

/// The largest power of two up to 16 that divides the address (16 for nullptr).
inline int64_t pointer_alignment(const void* ptr) {
  const auto address = reinterpret_cast<std::uintptr_t>(ptr);
  int64_t alignment = 16;
  while (alignment > 1 && address % static_cast<std::uintptr_t>(alignment) != 0) alignment /= 2;
  return alignment;
}

/// run(candidate) for candidates[start], [start + 1], ... until one returns without throwing a
/// minidl::Error; returns that index. When none does, throws CudaError naming `what` (a string,
/// or a function making one, so a call that succeeds builds no message) and every candidate's
/// failure (`describe(candidate)` names a candidate).
template <typename Candidate, typename What, typename Run, typename Describe>
std::size_t run_first_working(const std::vector<Candidate>& candidates, std::size_t start, const What& what,
                              Run&& run, Describe&& describe) {
  std::string failures;
  for (std::size_t i = start; i < candidates.size(); ++i) {
    try {
      run(candidates[i]);
      return i;
    } catch (const Error& e) {
      failures += ::minidl::detail::str_cat("\n  ", describe(candidates[i]), ": ", e.what());
    }
  }
  std::string name;
  if constexpr (std::is_invocable_v<const What&>)
    name = what();
  else
    name = what;
  throw CudaError(::minidl::detail::str_cat(name, ": no algorithm ran (", candidates.size() - start,
                                            " tried)", failures));
}

}  // namespace minidl::kernels::cuda
