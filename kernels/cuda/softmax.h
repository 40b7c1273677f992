// CUDA launchers of softmax, log_softmax and the fused cross-entropy; arguments checked by
// kernels/softmax.cpp.
#pragma once

#include "kernels/softmax.h"

namespace minidl::kernels::cuda {
void softmax(const Tensor& x, const Tensor& out, const RowLayout& layout, bool log);
void softmax_backward(const Tensor& y, const Tensor& grad_y, const Tensor& grad_x, const RowLayout& layout,
                      bool log);
void cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyConfig& options,
                   const Tensor& loss, const Tensor& stats);
void cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& stats,
                            const Tensor& grad_loss, const CrossEntropyConfig& options,
                            const Tensor& grad_logits);
}  // namespace minidl::kernels::cuda
