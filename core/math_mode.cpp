// The TF32 switches of core/math_mode.h: process-wide, read at every call.
#include "core/math_mode.h"

#include <atomic>

namespace minidl {
namespace {
std::atomic<bool> tf32_conv{true};
std::atomic<bool> tf32_matmul{false};
}  // namespace

bool allow_tf32_conv() { return tf32_conv.load(std::memory_order_relaxed); }
void set_allow_tf32_conv(bool allow) { tf32_conv.store(allow, std::memory_order_relaxed); }
bool allow_tf32_matmul() { return tf32_matmul.load(std::memory_order_relaxed); }
void set_allow_tf32_matmul(bool allow) { tf32_matmul.store(allow, std::memory_order_relaxed); }

}  // namespace minidl
