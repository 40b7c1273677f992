// Whether float32 work on CUDA may run on the TF32 tensor cores (10-bit mantissa products,
// float32 sums: about 1e-3 relative error instead of float32's 1e-7). The defaults are
// PyTorch's: convolutions may (torch.backends.cudnn.allow_tf32 = True), matmuls may not
// (torch.backends.cuda.matmul.allow_tf32 = False). CPU work never uses TF32.
#pragma once

namespace minidl {

/// cuDNN convolutions in float32 may use TF32 (default true).
bool allow_tf32_conv();
void set_allow_tf32_conv(bool allow);
/// cuBLAS matmuls in float32 may use TF32 (default false).
bool allow_tf32_matmul();
void set_allow_tf32_matmul(bool allow);

/// Sets both switches for a scope and restores them after (the CPU-parity tests run without TF32).
class Tf32Scope {
 public:
  Tf32Scope(bool conv, bool matmul)
      : conv_(allow_tf32_conv()), matmul_(allow_tf32_matmul()) {
    set_allow_tf32_conv(conv);
    set_allow_tf32_matmul(matmul);
  }
  ~Tf32Scope() {
    set_allow_tf32_conv(conv_);
    set_allow_tf32_matmul(matmul_);
  }
  Tf32Scope(const Tf32Scope&) = delete;
  Tf32Scope& operator=(const Tf32Scope&) = delete;

 private:
  bool conv_, matmul_;
};

}  // namespace minidl
