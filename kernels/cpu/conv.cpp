// CPU conv2d as GEMMs (Chellapilla et al. 2006; Caffe's im2col). Per sample and group,
// columns[(c*kh + p)*kw + q][i*OW + j] = x[c, i*s_h - pad_h + p*d_h, j*s_w - pad_w + q*d_w] (0 outside);
// y = W_g [O/G, C/G*kh*kw] @ columns, dW_g += dy_g @ columns^T, dx_g = col2im(W_g^T @ dy_g).
// Samples run in parallel (one single-threaded GEMM per thread, scratch per thread reused
// across samples and calls); a batch smaller than the thread count splits each GEMM instead.
#include "kernels/cpu/conv.h"

#include <omp.h>

#include <algorithm>
#include <climits>
#include <vector>

#include "kernels/cpu/lane_sum.h"
#include "kernels/cpu/linalg.h"

namespace minidl::kernels::cpu {
namespace {

struct Geometry {
  int64_t batch, channels, height, width;
  int64_t out_channels, out_height, out_width;
  int64_t kernel_h, kernel_w;
  Conv2dParams p;

  int64_t group_channels() const { return channels / p.groups; }
  int64_t group_out() const { return out_channels / p.groups; }
  int64_t rows() const { return group_channels() * kernel_h * kernel_w; }  // the forward GEMM's K
  int64_t cols() const { return out_height * out_width; }
  int64_t in_plane() const { return height * width; }
  // A 1x1 kernel with unit stride and no padding reads x itself as the column matrix.
  bool pointwise() const {
    return kernel_h == 1 && kernel_w == 1 && p.stride == Size2(1) && p.padding == Size2(0);
  }
};

Geometry geometry_of(const Tensor& x, const Tensor& w, const Shape& out, const Conv2dParams& p) {
  const Geometry g{x.size(0), x.size(1), x.size(2), x.size(3), out[1],
                   out[2],    out[3],    w.size(2), w.size(3), p};
  // GEMM dimensions go to BLAS as int; checked here, outside the parallel loops.
  MINIDL_CHECK(g.rows() * g.cols() <= INT_MAX && g.out_channels * g.rows() <= INT_MAX, ValueError,
               "conv2d: per-sample column matrix of ", g.rows(), " x ", g.cols(),
               " exceeds the BLAS int range");
  return g;
}

// Output columns j in [lo, hi) read input column j*stride + offset inside [0, width).
void valid_range(int64_t offset, int64_t stride, int64_t width, int64_t out_width, int64_t& lo, int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  hi = width - offset <= 0 ? 0 : std::min(out_width, (width - offset + stride - 1) / stride);
  lo = std::min(lo, hi);
}

template <typename RowFn> void for_each_column_row(const Geometry& g, RowFn&& fn) {
  for (int64_t c = 0; c < g.group_channels(); ++c)
    for (int64_t ki = 0; ki < g.kernel_h; ++ki)
      for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
        const int64_t row = (c * g.kernel_h + ki) * g.kernel_w + kj;
        const int64_t off_h = ki * g.p.dilation.h - g.p.padding.h;
        const int64_t off_w = kj * g.p.dilation.w - g.p.padding.w;
        int64_t lo = 0, hi = 0;
        valid_range(off_w, g.p.stride.w, g.width, g.out_width, lo, hi);
        for (int64_t i = 0; i < g.out_height; ++i) {
          const int64_t ih = i * g.p.stride.h + off_h;
          const bool inside = ih >= 0 && ih < g.height;
          // x[at + j*stride] for j in [lo, hi) is the input element of output column j (at may be < 0).
          fn(row * g.cols() + i * g.out_width, inside, (c * g.height + ih) * g.width + off_w, lo, hi);
        }
      }
}

// columns (rows x cols) of one sample's group; x points at the group's first channel.
template <typename T> void im2col(const T* x, const Geometry& g, T* columns) {
  const int64_t ow = g.out_width, sw = g.p.stride.w;
  for_each_column_row(g, [&](int64_t dst_at, bool inside, int64_t src_at, int64_t lo, int64_t hi) {
    T* dst = columns + dst_at;
    if (!inside) return std::fill(dst, dst + ow, T(0));
    std::fill(dst, dst + lo, T(0));
    if (sw == 1)
      std::copy(x + (src_at + lo), x + (src_at + hi), dst + lo);
    else
      for (int64_t j = lo; j < hi; ++j) dst[j] = x[src_at + j * sw];
    std::fill(dst + hi, dst + ow, T(0));
  });
}

// dx (zeroed by the caller) += the columns folded back onto the input they were read from.
template <typename T> void col2im(const T* columns, const Geometry& g, T* dx) {
  const int64_t sw = g.p.stride.w;
  for_each_column_row(g, [&](int64_t src_at, bool inside, int64_t dst_at, int64_t lo, int64_t hi) {
    if (!inside) return;
    const T* src = columns + src_at;
    if (sw == 1) {  // the common case, kept separate so it vectorizes
      T* dst = dx + (dst_at + lo);
      for (int64_t j = 0; j < hi - lo; ++j) dst[j] += src[lo + j];
    } else {
      for (int64_t j = lo; j < hi; ++j) dx[dst_at + j * sw] += src[j];
    }
  });
}

// Calls body(n, thread) for every sample: in parallel when there are enough samples, else one
// after the other with each GEMM split over the threads (gemm_parallel runs serially when nested).
template <typename F> void for_each_sample(int64_t batch, int threads, F&& body) {
  if (threads > 1) {
    // Static: each thread gets a fixed, contiguous run of samples, so the per-thread partial
    // sums of dW (added in thread order) are bit-identical from run to run — a resumed run
    // must equal one that never stopped. (Dynamic scheduling was faster on a loaded machine.)
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t n = 0; n < batch; ++n) body(n, omp_get_thread_num());
  } else {
    for (int64_t n = 0; n < batch; ++n) body(n, 0);
  }
}

int sample_threads(int64_t batch) {
  const int threads = max_threads();
  return batch >= threads ? threads : 1;
}

// Per-thread scratch of the calling thread, kept between calls so a training loop
// allocates it once; sized (and so allocated) before any parallel region starts.
template <typename T> T* scratch(std::size_t count) {
  thread_local std::vector<T> buffer;
  if (buffer.size() < count) buffer.resize(count);
  return buffer.data();
}

template <typename T>
void forward_typed(const Tensor& x, const Tensor& w, const Tensor& bias, const Geometry& g,
                   const Tensor& out) {
  const T* xd = x.data<T>();
  const T* wd = w.data<T>();
  const T* bd = bias.defined() ? bias.data<T>() : nullptr;
  T* yd = out.data<T>();
  const int64_t rows = g.rows(), cols = g.cols(), og = g.group_out(), cg = g.group_channels();
  const int threads = sample_threads(g.batch);
  const int64_t per_thread = g.pointwise() ? 0 : rows * cols;
  T* columns_all = scratch<T>(static_cast<std::size_t>(per_thread * threads));
  for_each_sample(g.batch, threads, [&](int64_t n, int t) {
    T* columns = columns_all + t * per_thread;
    for (int64_t grp = 0; grp < g.p.groups; ++grp) {
      const T* xg = xd + (n * g.channels + grp * cg) * g.in_plane();
      if (!g.pointwise()) im2col(xg, g, columns);
      T* yg = yd + (n * g.out_channels + grp * og) * cols;
      gemm_parallel<T>(false, false, og, cols, rows, T(1), wd + grp * og * rows, rows,
                       g.pointwise() ? xg : columns, cols, T(0), yg, cols);
    }
    if (!bd) return;
    for (int64_t o = 0; o < g.out_channels; ++o) {
      T* yo = yd + (n * g.out_channels + o) * cols;
      for (int64_t j = 0; j < cols; ++j) yo[j] += bd[o];
    }
  });
}

template <typename T>
void backward_typed(const Tensor& dy, const Tensor& x, const Tensor& w, const Geometry& g, const Tensor& gx,
                    const Tensor& gw, const Tensor& gb) {
  const T* dyd = dy.data<T>();
  const T* xd = x.data<T>();
  const T* wd = w.data<T>();
  const int64_t rows = g.rows(), cols = g.cols(), og = g.group_out(), cg = g.group_channels();
  const int64_t w_numel = w.numel(), out_ch = g.out_channels;
  const bool im2col_needed = !g.pointwise();
  // Per thread: columns for dW, columns of dx before col2im, and partial sums of dW and db.
  const int64_t n_cols = gw.defined() && im2col_needed ? rows * cols : 0;
  const int64_t n_dcols = gx.defined() && im2col_needed ? rows * cols : 0;
  const int64_t n_dw = gw.defined() ? w_numel : 0, n_db = gb.defined() ? out_ch : 0;
  const int64_t per_thread = n_cols + n_dcols + n_dw + n_db;
  const int threads = sample_threads(g.batch);
  T* all = scratch<T>(static_cast<std::size_t>(per_thread * threads));
  for (int t = 0; t < threads; ++t)
    std::fill(all + t * per_thread + n_cols + n_dcols, all + (t + 1) * per_thread, T(0));

  for_each_sample(g.batch, threads, [&](int64_t n, int t) {
    T* columns = all + t * per_thread;
    T* dcols = columns + n_cols;
    T* dw = dcols + n_dcols;
    T* db = dw + n_dw;
    for (int64_t grp = 0; grp < g.p.groups; ++grp) {
      const T* dyg = dyd + (n * out_ch + grp * og) * cols;
      const T* xg = xd + (n * g.channels + grp * cg) * g.in_plane();
      const T* wg = wd + grp * og * rows;
      if (gw.defined()) {
        if (im2col_needed) im2col(xg, g, columns);
        gemm_parallel<T>(false, true, og, rows, cols, T(1), dyg, cols, im2col_needed ? columns : xg, cols,
                         T(1), dw + grp * og * rows, rows);
      }
      if (gx.defined()) {
        T* dxg = gx.data<T>() + (n * g.channels + grp * cg) * g.in_plane();
        gemm_parallel<T>(true, false, rows, cols, og, T(1), wg, rows, dyg, cols, T(0),
                         im2col_needed ? dcols : dxg, cols);
        if (im2col_needed) {
          std::fill(dxg, dxg + cg * g.in_plane(), T(0));
          col2im(dcols, g, dxg);
        }
      }
    }
    if (gb.defined())
      for (int64_t o = 0; o < out_ch; ++o) {
        db[o] += lane_sum<T, 16>(cols, [row = dyd + (n * out_ch + o) * cols](int64_t j) { return row[j]; });
      }
  });

  // Sum the per-thread partials.
  auto reduce = [&](const Tensor& dst, int64_t offset, int64_t count) {
    T* d = dst.data<T>();
    std::fill(d, d + count, T(0));
    for (int t = 0; t < threads; ++t) {
      const T* part = all + t * per_thread + offset;
      for (int64_t i = 0; i < count; ++i) d[i] += part[i];
    }
  };
  if (gw.defined()) reduce(gw, n_cols + n_dcols, n_dw);
  if (gb.defined()) reduce(gb, n_cols + n_dcols + n_dw, n_db);
}

}  // namespace

void conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p,
                    const Tensor& out) {
  const Geometry g = geometry_of(x, weight, out.shape(), p);
  if (x.dtype() == DType::Float32)
    forward_typed<float>(x, weight, bias, g, out);
  else
    forward_typed<double>(x, weight, bias, g, out);
}

void conv2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight, const Conv2dParams& p,
                     const Tensor& grad_input, const Tensor& grad_weight, const Tensor& grad_bias) {
  const Geometry g = geometry_of(x, weight, grad_out.shape(), p);
  if (x.dtype() == DType::Float32)
    backward_typed<float>(grad_out, x, weight, g, grad_input, grad_weight, grad_bias);
  else
    backward_typed<double>(grad_out, x, weight, g, grad_input, grad_weight, grad_bias);
}

}  // namespace minidl::kernels::cpu
