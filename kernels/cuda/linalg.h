// cuBLAS GEMM for the CUDA backend (batches described by kernels/linalg.h).
#pragma once

#include "core/device.h"
#include "kernels/linalg.h"

namespace minidl::kernels::cuda {
/// Runs the strided batch on the device's current stream (float32/64 with S/Dgemm, 16-bit
/// floats with GemmEx accumulating in float32).
void gemm_batched(const GemmBatch& g, const Device& device);
}  // namespace minidl::kernels::cuda
