// cuDNN conv2d: forward, backward data, backward filter and backward bias. Each
// direction's candidates are ranked once per (device, dtype, TF32 switch, shapes, stride,
// padding, dilation, groups, pointer alignment) with cuDNN's heuristics (Get*_v7), each with
// its math type and workspace size, and cached; a call runs the candidate that last worked and
// walks down the list when it fails (kernels/cuda/ranked_choice.h). Workspaces come from the
// caching allocator. Float32 uses TF32 tensor cores only while allow_tf32_conv() (core/math_mode.h).
#include "kernels/cuda/conv.h"

#include <map>
#include <mutex>
#include <vector>

#include "core/math_mode.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cudnn_utils.h"
#include "kernels/cuda/ranked_choice.h"

namespace minidl::kernels::cuda {
namespace {

constexpr std::size_t kMaxWorkspaceBytes = std::size_t{1} << 30;

struct Candidate {
  int algo = 0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
  std::size_t workspace = 0;
};

// One direction's candidates, best first, and the index of the one that last ran.
struct Ranked {
  bool chosen = false;
  std::vector<Candidate> candidates;
  std::size_t working = 0;
};

struct Choices {
  Ranked forward, backward_data, backward_filter;
};

using Key = std::vector<int64_t>;

bool float32_without_tf32(DType dtype) { return dtype == DType::Float32 && !allow_tf32_conv(); }

Key key_of(const Tensor& x, const Tensor& w, const Tensor& y, const Conv2dParams& p) {
  Key key{x.device().index, static_cast<int64_t>(x.dtype()), float32_without_tf32(x.dtype()) ? 0 : 1};
  key.insert(key.end(), x.shape().begin(), x.shape().end());
  key.insert(key.end(), w.shape().begin(), w.shape().end());
  key.insert(key.end(),
             {p.stride.h, p.stride.w, p.padding.h, p.padding.w, p.dilation.h, p.dilation.w, p.groups});
  key.insert(key.end(), {pointer_alignment(x.data_ptr()), pointer_alignment(w.data_ptr()),
                         pointer_alignment(y.data_ptr())});
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

// Descriptors of one call.
struct ConvDescriptors {
  TensorDescriptor x, y;
  FilterDescriptor w;
  ConvolutionDescriptor conv;
};

// Tensor cores for 16-bit data; for float32 cuDNN's default (TF32 allowed on Ampere and later)
// or, with TF32 switched off, plain FMA arithmetic.
cudnnMathType_t default_math(DType dtype) {
  if (dtype == DType::Float16 || dtype == DType::BFloat16) return CUDNN_TENSOR_OP_MATH;
  return float32_without_tf32(dtype) ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH;
}

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
  MINIDL_CUDNN_CHECK(cudnnSetConvolutionMathType(raw, default_math(x.dtype())));
  return d;
}

// The supported candidates of a heuristics answer, best first: those whose workspace fits
// kMaxWorkspaceBytes (some FFT variants ask for gigabytes), then the others. Without TF32,
// float32 keeps only candidates that run on FMA arithmetic. `workspace_of` sizes a candidate
// (with the descriptor's math set to its own); a candidate cuDNN cannot size is dropped.
template <typename Perf, typename WorkspaceOf>
std::vector<Candidate> ranked_candidates(const Perf* perf, int count, DType dtype, const char* direction,
                                         const Tensor& x, const Tensor& w, WorkspaceOf&& workspace_of) {
  const bool fma_only = float32_without_tf32(dtype);
  std::vector<Candidate> fitting, large;
  for (int i = 0; i < count; ++i) {
    if (perf[i].status != CUDNN_STATUS_SUCCESS) continue;
    Candidate c{static_cast<int>(perf[i].algo), perf[i].mathType, perf[i].memory};
    if (fma_only) {
      if (c.math == CUDNN_TENSOR_OP_MATH || c.math == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) continue;
      c.math = CUDNN_FMA_MATH;
    }
    try {
      c.workspace = workspace_of(c);
    } catch (const Error&) {
      continue;
    }
    (c.workspace <= kMaxWorkspaceBytes ? fitting : large).push_back(c);
  }
  fitting.insert(fitting.end(), large.begin(), large.end());
  if (fitting.empty())
    throw CudaError(::minidl::detail::str_cat("cuDNN offers no ", direction, " algorithm for input ",
                                              shape_str(x.shape()), " and weight ", shape_str(w.shape()), " (",
                                              x.dtype(), fma_only ? ", TF32 off" : "", ")"));
  return fitting;
}

// Runs one direction: ranks its candidates on first use (`rank`, under the lock), then runs the
// one that last worked, walking down the list when it fails, and remembers which one ran.
template <typename Rank, typename RunOne>
void run_ranked(const Key& key, Ranked Choices::*direction, const char* what, const Tensor& x,
                const Tensor& w, Rank&& rank, RunOne&& run_one) {
  Cache& c = cache();
  const std::vector<Candidate>* candidates = nullptr;  // fixed once ranked; map nodes never move
  std::size_t start = 0;
  {
    const std::lock_guard lock(c.mutex);
    Ranked& ranked = c.choices[key].*direction;
    if (!ranked.chosen) ranked = {true, rank(), 0};
    candidates = &ranked.candidates;
    start = ranked.working;
  }
  const std::size_t ran = run_first_working(
      *candidates, start,
      [&] {  // named only when no candidate ran
        return ::minidl::detail::str_cat("cuDNN ", what, " for input ", shape_str(x.shape()), " and weight ",
                                         shape_str(w.shape()), " (", x.dtype(), ")");
      },
      run_one,
      [](const Candidate& k) {
        return ::minidl::detail::str_cat("algorithm ", k.algo, " (math ", static_cast<int>(k.math), ", ",
                                         k.workspace, " B workspace)");
      });
  if (ran != start) {
    const std::lock_guard lock(c.mutex);
    (c.choices[key].*direction).working = ran;
  }
}

// A workspace from the caching allocator (undefined when none is needed).
Tensor workspace(std::size_t bytes, const Device& device) {
  return bytes == 0 ? Tensor()
                    : empty({static_cast<int64_t>(bytes)}, {.dtype = DType::UInt8, .device = device});
}
void* pointer(const Tensor& t) { return t.defined() ? t.data_ptr() : nullptr; }

}  // namespace

void conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p,
                    const Tensor& out) {
  const cudnnHandle_t h = cudnn_handle(x.device());
  const ConvDescriptors d = descriptors(x, weight, out, p);
  const Scalars s(x.dtype());
  const auto rank = [&] {
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    int count = 0;
    MINIDL_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
        h, d.x.get(), d.w.get(), d.conv.get(), d.y.get(), CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf));
    return ranked_candidates(perf, count, x.dtype(), "forward", x, weight, [&](const Candidate& c) {
      std::size_t bytes = 0;
      MINIDL_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), c.math));
      MINIDL_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(h, d.x.get(), d.w.get(), d.conv.get(),
                                                                 d.y.get(),
                                                                 static_cast<cudnnConvolutionFwdAlgo_t>(c.algo),
                                                                 &bytes));
      return bytes;
    });
  };
  run_ranked(key_of(x, weight, out, p), &Choices::forward, "forward", x, weight, rank,
             [&](const Candidate& c) {
               MINIDL_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), c.math));
               const Tensor ws = workspace(c.workspace, x.device());
               MINIDL_CUDNN_CHECK(cudnnConvolutionForward(
                   h, s.one(), d.x.get(), x.data_ptr(), d.w.get(), weight.data_ptr(), d.conv.get(),
                   static_cast<cudnnConvolutionFwdAlgo_t>(c.algo), pointer(ws), c.workspace, s.zero(),
                   d.y.get(), out.data_ptr()));
             });
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
  const Scalars s(x.dtype());
  if (grad_input.defined()) {
    const auto rank = [&] {
      cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
      int count = 0;
      MINIDL_CUDNN_CHECK(
          cudnnGetConvolutionBackwardDataAlgorithm_v7(h, d.w.get(), d.y.get(), d.conv.get(), d.x.get(),
                                                      CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, perf));
      return ranked_candidates(perf, count, x.dtype(), "backward-data", x, weight, [&](const Candidate& c) {
        std::size_t bytes = 0;
        MINIDL_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), c.math));
        MINIDL_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(
            h, d.w.get(), d.y.get(), d.conv.get(), d.x.get(), static_cast<cudnnConvolutionBwdDataAlgo_t>(c.algo),
            &bytes));
        return bytes;
      });
    };
    run_ranked(key_of(grad_input, weight, grad_out, p), &Choices::backward_data, "backward-data", x, weight,
               rank, [&](const Candidate& c) {
                 MINIDL_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), c.math));
                 const Tensor ws = workspace(c.workspace, x.device());
                 MINIDL_CUDNN_CHECK(cudnnConvolutionBackwardData(
                     h, s.one(), d.w.get(), weight.data_ptr(), d.y.get(), grad_out.data_ptr(), d.conv.get(),
                     static_cast<cudnnConvolutionBwdDataAlgo_t>(c.algo), pointer(ws), c.workspace, s.zero(),
                     d.x.get(), grad_input.data_ptr()));
               });
  }
  if (grad_weight.defined()) {
    const auto rank = [&] {
      cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
      int count = 0;
      MINIDL_CUDNN_CHECK(
          cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, d.x.get(), d.y.get(), d.conv.get(), d.w.get(),
                                                        CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, perf));
      return ranked_candidates(perf, count, x.dtype(), "backward-filter", x, weight, [&](const Candidate& c) {
        std::size_t bytes = 0;
        MINIDL_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), c.math));
        MINIDL_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(
            h, d.x.get(), d.y.get(), d.conv.get(), d.w.get(),
            static_cast<cudnnConvolutionBwdFilterAlgo_t>(c.algo), &bytes));
        return bytes;
      });
    };
    run_ranked(key_of(x, grad_weight, grad_out, p), &Choices::backward_filter, "backward-filter", x, weight,
               rank, [&](const Candidate& c) {
                 MINIDL_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv.get(), c.math));
                 const Tensor ws = workspace(c.workspace, x.device());
                 MINIDL_CUDNN_CHECK(cudnnConvolutionBackwardFilter(
                     h, s.one(), d.x.get(), x.data_ptr(), d.y.get(), grad_out.data_ptr(), d.conv.get(),
                     static_cast<cudnnConvolutionBwdFilterAlgo_t>(c.algo), pointer(ws), c.workspace, s.zero(),
                     d.w.get(), grad_weight.data_ptr()));
               });
  }
  if (grad_bias.defined()) {
    const TensorDescriptor bd = bias_descriptor(grad_bias);
    MINIDL_CUDNN_CHECK(cudnnConvolutionBackwardBias(h, s.one(), d.y.get(), grad_out.data_ptr(), s.zero(),
                                                    bd.get(), grad_bias.data_ptr()));
  }
}

}  // namespace minidl::kernels::cuda
