// cuDNN conv2d: forward, backward data, backward filter and backward bias. Each
// direction's algorithm is picked once per (device, dtype, shapes, stride, padding,
// dilation, groups) with cuDNN's heuristics (Get*_v7: the first that is supported),
// and cached with its math type and workspace size; workspaces come from the caching
// allocator. Float32 may use TF32 tensor cores where cuDNN picks them, as PyTorch's default.
#include "kernels/cuda/conv.h"

#include <map>
#include <mutex>
#include <vector>

#include "kernels/cuda/check.h"
#include "kernels/cuda/cudnn_utils.h"

namespace minidl::kernels::cuda {
namespace {

constexpr std::size_t kMaxWorkspaceBytes = std::size_t{1} << 30;

struct Choice {
  bool chosen = false;
  int algo = 0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
  std::size_t workspace = 0;
};

struct Choices {
  Choice forward, backward_data, backward_filter;
};

using Key = std::vector<int64_t>;

Key key_of(const Tensor& x, const Tensor& w, const Conv2dParams& p) {
  Key key{x.device().index, static_cast<int64_t>(x.dtype())};
  key.insert(key.end(), x.shape().begin(), x.shape().end());
  key.insert(key.end(), w.shape().begin(), w.shape().end());
  key.insert(key.end(),
             {p.stride.h, p.stride.w, p.padding.h, p.padding.w, p.dilation.h, p.dilation.w, p.groups});
  return key;
}

struct Cache {
  std::mutex mutex;
  std::map<Key, Choices> choices;
};
Cache& cache() {
  static Cache instance;
  return instance;
}

// The cached choice of one direction, computed (under the lock, once) when missing.
template <typename Compute>
Choice cached_choice(const Key& key, Choice Choices::*direction, Compute&& compute) {
  Cache& c = cache();
  const std::lock_guard lock(c.mutex);
  Choice& choice = c.choices[key].*direction;
  if (!choice.chosen) choice = compute();
  return choice;
}

// Descriptors of one call.
struct ConvDescriptors {
  TensorDescriptor x, y;
  FilterDescriptor w;
  ConvolutionDescriptor conv;
};

ConvDescriptors descriptors(const Tensor& x, const Tensor& w, const Tensor& y, const Conv2dParams& p) {
  ConvDescriptors d{tensor_descriptor(x), tensor_descriptor(y), filter_descriptor(w), {}};
  cudnnConvolutionDescriptor_t raw = nullptr;
  MINIDL_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&raw));
  d.conv = ConvolutionDescriptor(raw);
  MINIDL_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(
      raw, cudnn_int(p.padding.h, "padding"), cudnn_int(p.padding.w, "padding"),
      cudnn_int(p.stride.h, "stride"), cudnn_int(p.stride.w, "stride"), cudnn_int(p.dilation.h, "dilation"),
      cudnn_int(p.dilation.w, "dilation"), CUDNN_CROSS_CORRELATION, cudnn_compute_dtype(x.dtype())));
  MINIDL_CUDNN_CHECK(cudnnSetConvolutionGroupCount(raw, cudnn_int(p.groups, "groups")));
  // Tensor cores for 16-bit data; cuDNN's default (TF32 allowed on Ampere+) for float32.
  const bool half = x.dtype() == DType::Float16 || x.dtype() == DType::BFloat16;
  MINIDL_CUDNN_CHECK(cudnnSetConvolutionMathType(raw, half ? CUDNN_TENSOR_OP_MATH : CUDNN_DEFAULT_MATH));
  return d;
}

template <typename Perf>
Choice first_supported(const Perf* perf, int count, const char* direction, const Tensor& x, const Tensor& w) {
  // The heuristics rank by expected speed; skip candidates whose workspace would crowd out
  // the model (some FFT variants ask for gigabytes), unless nothing else is supported.
  for (const bool capped : {true, false})
    for (int i = 0; i < count; ++i)
      if (perf[i].status == CUDNN_STATUS_SUCCESS && (!capped || perf[i].memory <= kMaxWorkspaceBytes))
        return {true, static_cast<int>(perf[i].algo), perf[i].mathType, 0};
  throw CudaError(::minidl::detail::str_cat("cuDNN offers no ", direction, " algorithm for input ",
                                            shape_str(x.shape()), " and weight ", shape_str(w.shape()), " (",
                                            x.dtype(), ")"));
}

// A workspace from the caching allocator (undefined when none is needed).
Tensor workspace(std::size_t bytes, const Device& device) {
  return bytes == 0 ? Tensor()
                    : empty({static_cast<int64_t>(bytes)}, {.dtype = DType::UInt8, .device = device});
}
void* pointer(const Tensor& t) { return t.defined() ? t.data_ptr() : nullptr; }

Choice forward_choice(cudnnHandle_t h, const ConvDescriptors& d, const Key& key, const Tensor& x,
                      const Tensor& w) {
  return cached_choice(key, &Choices::forward, [&] {
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    int count = 0;
    MINIDL_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
        h, d.x.get(), d.w.get(), d.conv.get(), d.y.get(), CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf));
    Choice c = first_supported(perf, count, "forward", x, w);
    MINIDL_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), c.math));
    MINIDL_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(
        h, d.x.get(), d.w.get(), d.conv.get(), d.y.get(), static_cast<cudnnConvolutionFwdAlgo_t>(c.algo),
        &c.workspace));
    return c;
  });
}

Choice backward_data_choice(cudnnHandle_t h, const ConvDescriptors& d, const Key& key, const Tensor& x,
                            const Tensor& w) {
  return cached_choice(key, &Choices::backward_data, [&] {
    cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    int count = 0;
    MINIDL_CUDNN_CHECK(
        cudnnGetConvolutionBackwardDataAlgorithm_v7(h, d.w.get(), d.y.get(), d.conv.get(), d.x.get(),
                                                    CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, perf));
    Choice c = first_supported(perf, count, "backward-data", x, w);
    MINIDL_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), c.math));
    MINIDL_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(
        h, d.w.get(), d.y.get(), d.conv.get(), d.x.get(), static_cast<cudnnConvolutionBwdDataAlgo_t>(c.algo),
        &c.workspace));
    return c;
  });
}

Choice backward_filter_choice(cudnnHandle_t h, const ConvDescriptors& d, const Key& key, const Tensor& x,
                              const Tensor& w) {
  return cached_choice(key, &Choices::backward_filter, [&] {
    cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    int count = 0;
    MINIDL_CUDNN_CHECK(
        cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, d.x.get(), d.y.get(), d.conv.get(), d.w.get(),
                                                      CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, perf));
    Choice c = first_supported(perf, count, "backward-filter", x, w);
    MINIDL_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), c.math));
    MINIDL_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(
        h, d.x.get(), d.y.get(), d.conv.get(), d.w.get(),
        static_cast<cudnnConvolutionBwdFilterAlgo_t>(c.algo), &c.workspace));
    return c;
  });
}

}  // namespace

void conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p,
                    const Tensor& out) {
  const cudnnHandle_t h = cudnn_handle(x.device());
  const ConvDescriptors d = descriptors(x, weight, out, p);
  const Choice c = forward_choice(h, d, key_of(x, weight, p), x, weight);
  MINIDL_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), c.math));
  const Tensor ws = workspace(c.workspace, x.device());
  const Scalars s(x.dtype());
  MINIDL_CUDNN_CHECK(cudnnConvolutionForward(h, s.one(), d.x.get(), x.data_ptr(), d.w.get(),
                                             weight.data_ptr(), d.conv.get(),
                                             static_cast<cudnnConvolutionFwdAlgo_t>(c.algo), pointer(ws),
                                             c.workspace, s.zero(), d.y.get(), out.data_ptr()));
  if (!bias.defined()) return;
  const TensorDescriptor bd = bias_descriptor(bias);
  // y = 1 * bias (broadcast over N, H, W) + 1 * y
  MINIDL_CUDNN_CHECK(
      cudnnAddTensor(h, s.one(), bd.get(), bias.data_ptr(), s.one(), d.y.get(), out.data_ptr()));
}

void conv2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight, const Conv2dParams& p,
                     const Tensor& grad_input, const Tensor& grad_weight, const Tensor& grad_bias) {
  const cudnnHandle_t h = cudnn_handle(x.device());
  const ConvDescriptors d = descriptors(x, weight, grad_out, p);
  const Key key = key_of(x, weight, p);
  const Scalars s(x.dtype());
  if (grad_input.defined()) {
    const Choice c = backward_data_choice(h, d, key, x, weight);
    MINIDL_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), c.math));
    const Tensor ws = workspace(c.workspace, x.device());
    MINIDL_CUDNN_CHECK(
        cudnnConvolutionBackwardData(h, s.one(), d.w.get(), weight.data_ptr(), d.y.get(), grad_out.data_ptr(),
                                     d.conv.get(), static_cast<cudnnConvolutionBwdDataAlgo_t>(c.algo),
                                     pointer(ws), c.workspace, s.zero(), d.x.get(), grad_input.data_ptr()));
  }
  if (grad_weight.defined()) {
    const Choice c = backward_filter_choice(h, d, key, x, weight);
    MINIDL_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), c.math));
    const Tensor ws = workspace(c.workspace, x.device());
    MINIDL_CUDNN_CHECK(cudnnConvolutionBackwardFilter(
        h, s.one(), d.x.get(), x.data_ptr(), d.y.get(), grad_out.data_ptr(), d.conv.get(),
        static_cast<cudnnConvolutionBwdFilterAlgo_t>(c.algo), pointer(ws), c.workspace, s.zero(), d.w.get(),
        grad_weight.data_ptr()));
  }
  if (grad_bias.defined()) {
    const TensorDescriptor bd = bias_descriptor(grad_bias);
    MINIDL_CUDNN_CHECK(cudnnConvolutionBackwardBias(h, s.one(), d.y.get(), grad_out.data_ptr(), s.zero(),
                                                    bd.get(), grad_bias.data_ptr()));
  }
}

}  // namespace minidl::kernels::cuda
