// kernels::fractional_max_pool2d and its backward against a nested-loop reference written here
// from PyTorch's generate_intervals and CPU loops (double windows for double, float otherwise;
// a scatter-add backward), for every floating dtype; shape checks naming the shapes;
// FractionalPoolGpu: CUDA output, indices and gradient bit-identical to the CPU's.
#include "kernels/fractional_pool.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/math/fractional_pool.h"
#include "support/gpu_test.h"

namespace minidl::kernels {
namespace {

// PyTorch's generate_intervals, in the arithmetic type A.
template <typename A> std::vector<int64_t> intervals(A u, int64_t in, int64_t out, int64_t k) {
  std::vector<int64_t> seq(static_cast<std::size_t>(out));
  if (out > 1) {
    const A alpha = static_cast<A>(in - k) / static_cast<A>(out - 1);
    for (int64_t i = 0; i < out - 1; ++i)
      seq[i] = static_cast<int>((static_cast<A>(i) + u) * alpha) - static_cast<int>(u * alpha);
  }
  seq[out - 1] = in - k;
  return seq;
}

struct Reference {
  std::vector<double> out, grad;
  std::vector<int64_t> indices;
};

// Forward (first largest value) and backward (scatter-add of `upstream`) on host doubles.
template <typename A>
Reference reference(const std::vector<double>& x, const std::vector<double>& samples, const Shape& shape,
                    Size2 k, Size2 size, const std::vector<double>& upstream) {
  const int64_t planes = shape[0] * shape[1], H = shape[2], W = shape[3];
  Reference r;
  r.grad.assign(x.size(), 0.0);
  for (int64_t p = 0; p < planes; ++p) {
    const auto rows = intervals<A>(static_cast<A>(samples[2 * p + 1]), H, size.h, k.h);
    const auto cols = intervals<A>(static_cast<A>(samples[2 * p]), W, size.w, k.w);
    for (int64_t oh = 0; oh < size.h; ++oh)
      for (int64_t ow = 0; ow < size.w; ++ow) {
        int64_t best = rows[oh] * W + cols[ow];
        for (int64_t h = rows[oh]; h < rows[oh] + k.h; ++h)
          for (int64_t w = cols[ow]; w < cols[ow] + k.w; ++w)
            if (x[p * H * W + h * W + w] > x[p * H * W + best]) best = h * W + w;
        r.out.push_back(x[p * H * W + best]);
        r.indices.push_back(best);
        r.grad[p * H * W + best] += upstream[r.out.size() - 1];
      }
  }
  return r;
}

std::vector<double> uniform_values(std::size_t n, unsigned seed, double low, double high) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(low, high);
  std::vector<double> v(n);
  for (double& x : v) x = dist(rng);
  return v;
}

struct Config {
  Shape shape;
  Size2 kernel, size;
};

const Config kConfigs[] = {{{2, 3, 10, 10}, 2, 5},
                           {{1, 2, 9, 11}, {3, 2}, {4, 6}},
                           {{2, 1, 7, 7}, 3, {1, 3}},
                           {{1, 2, 12, 12}, 3, {9, 10}},
                           {{3, 2, 33, 17}, 2, {21, 11}}};

TEST(FractionalMaxPool2d, MatchesTheNestedLoopReferenceInEveryDType) {
  unsigned seed = 1;
  for (const DType dtype : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16}) {
    for (const Config& c : kConfigs) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " " + shape_str(c.shape));
      const int64_t planes = c.shape[0] * c.shape[1];
      const Tensor x = from_vector(uniform_values(shape_numel(c.shape), ++seed, -2, 2), c.shape).to(dtype);
      const Tensor samples =
          from_vector(uniform_values(2 * planes, ++seed, 0, 1), {c.shape[0], c.shape[1], 2});
      const Shape out_shape{c.shape[0], c.shape[1], c.size.h, c.size.w};
      const Tensor upstream =
          from_vector(uniform_values(shape_numel(out_shape), ++seed, -1, 1), out_shape).to(dtype);
      // The reference sees the values the kernel sees: x, samples and upstream rounded to their dtypes.
      const std::vector<double> xs = x.to_vector<double>(), ups = upstream.to_vector<double>();
      const bool is_double = dtype == DType::Float64;
      const std::vector<double> us =
          samples.to(is_double ? DType::Float64 : DType::Float32).to_vector<double>();
      const Reference ref = is_double ? reference<double>(xs, us, c.shape, c.kernel, c.size, ups)
                                      : reference<float>(xs, us, c.shape, c.kernel, c.size, ups);

      const FractionalPoolResult r = fractional_max_pool2d(x, samples, c.kernel, c.size);
      EXPECT_EQ(r.output.shape(), out_shape);
      EXPECT_EQ(r.output.dtype(), dtype);
      EXPECT_EQ(r.indices.dtype(), DType::Int64);
      EXPECT_EQ(r.output.to_vector<double>(), ref.out);
      EXPECT_EQ(r.indices.to_vector<int64_t>(), ref.indices);
      const Tensor grad = fractional_max_pool2d_backward(upstream, r.indices, samples, c.shape, c.kernel);
      EXPECT_EQ(grad.shape(), c.shape);
      const std::vector<double> g = grad.to_vector<double>();
      for (std::size_t i = 0; i < g.size(); ++i) {
        // Sums of up to a few 16-bit values round once per addition in float, then to the dtype.
        const double tol = is_double || dtype == DType::Float32 ? 1e-6 : 1e-2;
        ASSERT_NEAR(g[i], ref.grad[i], tol * (1 + std::abs(ref.grad[i]))) << "element " << i;
      }
    }
  }
}

// The CUDA kernel gathers per input element (fractional_grad); run here on the host, its sums
// must equal the CPU scatter's bit for bit, in float and in a 16-bit dtype.
TEST(FractionalMaxPool2d, GatheredGradientEqualsTheCpuScatterBitForBit) {
  unsigned seed = 50;
  for (const DType dtype : {DType::Float32, DType::BFloat16}) {
    for (const Config& c : kConfigs) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " " + shape_str(c.shape));
      // Few distinct values, so windows often share their argmax and gradients really add up.
      std::vector<double> xs = uniform_values(shape_numel(c.shape), ++seed, 0, 4);
      for (double& v : xs) v = std::floor(v);
      const Tensor x = from_vector(xs, c.shape).to(dtype);
      const Tensor samples =
          from_vector(uniform_values(2 * c.shape[0] * c.shape[1], ++seed, 0, 1), {c.shape[0], c.shape[1], 2});
      const FractionalPoolResult r = fractional_max_pool2d(x, samples, c.kernel, c.size);
      const Tensor up =
          from_vector(uniform_values(r.output.numel(), ++seed, -1, 1), r.output.shape()).to(dtype);
      const std::vector<float> cpu =
          fractional_max_pool2d_backward(up, r.indices, samples, c.shape, c.kernel).to_vector<float>();
      const std::vector<float> us = samples.to_vector<float>(), ups = up.to_vector<float>();
      const std::vector<int64_t> idx = r.indices.to_vector<int64_t>();
      const int64_t plane_in = c.shape[2] * c.shape[3], plane_out = c.size.h * c.size.w;
      for (int64_t plane = 0; plane < c.shape[0] * c.shape[1]; ++plane) {
        const FractionalPlane<float> p = fractional_plane<float>(
            {c.shape[2], c.size.h, c.kernel.h}, {c.shape[3], c.size.w, c.kernel.w}, &us[2 * plane]);
        for (int64_t ih = 0; ih < c.shape[2]; ++ih)
          for (int64_t iw = 0; iw < c.shape[3]; ++iw) {
            float gathered =
                fractional_grad<float>(&ups[plane * plane_out], &idx[plane * plane_out], p, ih, iw);
            if (dtype == DType::BFloat16) gathered = static_cast<float>(BFloat16(gathered));
            ASSERT_EQ(gathered, cpu[plane * plane_in + ih * c.shape[3] + iw]) << "plane " << plane;
          }
      }
    }
  }
}

TEST(FractionalMaxPool2d, StridedInputAndDoubleSamplesForAFloatInput) {
  const Tensor base = from_vector(uniform_values(2 * 3 * 8 * 9, 7, -1, 1), {2, 3, 9, 8});
  const Tensor x = base.transpose(2, 3);  // [2, 3, 8, 9], not contiguous
  const Tensor samples = from_vector(uniform_values(12, 8, 0, 1), {2, 3, 2});
  const FractionalPoolResult strided = fractional_max_pool2d(x, samples, 2, {5, 6});
  const FractionalPoolResult packed =
      fractional_max_pool2d(x.contiguous(), samples.to(DType::Float32), 2, {5, 6});
  EXPECT_EQ(strided.output.to_vector<float>(), packed.output.to_vector<float>());
  EXPECT_EQ(strided.indices.to_vector<int64_t>(), packed.indices.to_vector<int64_t>());
}

TEST(FractionalMaxPool2d, EmptyBatch) {
  const FractionalPoolResult r = fractional_max_pool2d(zeros({0, 3, 6, 6}), zeros({0, 3, 2}), 2, 4);
  EXPECT_EQ(r.output.shape(), (Shape{0, 3, 4, 4}));
  const Tensor grad =
      fractional_max_pool2d_backward(zeros({0, 3, 4, 4}), r.indices, zeros({0, 3, 2}), {0, 3, 6, 6}, 2);
  EXPECT_EQ(grad.shape(), (Shape{0, 3, 6, 6}));
}

template <typename E, typename F> std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception";
  return "";
}

TEST(FractionalMaxPool2dOutputShape, ErrorsNameTheShapes) {
  EXPECT_EQ(fractional_max_pool2d_output_shape({2, 3, 10, 9}, {2, 3, 2}, {3, 2}, {8, 8}),
            (Shape{2, 3, 8, 8}));
  const std::string too_big = message_of<ShapeError>([] {
    fractional_max_pool2d_output_shape({2, 3, 10, 9}, {2, 3, 2}, {3, 2}, {9, 8});
  });
  EXPECT_NE(too_big.find("[2, 3, 10, 9]"), std::string::npos) << too_big;
  EXPECT_NE(too_big.find("(9, 8)"), std::string::npos) << too_big;
  EXPECT_NE(too_big.find("(11, 9)"), std::string::npos) << too_big;  // the input it would need
  const std::string bad_samples = message_of<ShapeError>([] {
    fractional_max_pool2d_output_shape({2, 3, 10, 9}, {3, 2}, 2, 4);
  });
  EXPECT_NE(bad_samples.find("[2, 3, 2]"), std::string::npos) << bad_samples;
  EXPECT_NE(bad_samples.find("[3, 2]"), std::string::npos) << bad_samples;
  EXPECT_THROW(fractional_max_pool2d_output_shape({3, 10, 9}, {1, 3, 2}, 2, 4), ShapeError);
  EXPECT_THROW(fractional_max_pool2d_output_shape({1, 3, 10, 9}, {1, 3, 2}, 2, {0, 4}), ShapeError);
  EXPECT_THROW(fractional_max_pool2d_output_shape({1, 3, 10, 9}, {1, 3, 2}, {0, 2}, 4), ValueError);
}

TEST(FractionalMaxPool2d, RejectsBadOperands) {
  EXPECT_THROW(fractional_max_pool2d(zeros({1, 1, 6, 6}, {.dtype = DType::Int64}), zeros({1, 1, 2}), 2, 3),
               DTypeError);
  EXPECT_THROW(fractional_max_pool2d(zeros({1, 1, 6, 6}), zeros({1, 1, 2}, {.dtype = DType::Int32}), 2, 3),
               DTypeError);
  const FractionalPoolResult r = fractional_max_pool2d(zeros({1, 1, 6, 6}), zeros({1, 1, 2}), 2, 3);
  EXPECT_THROW(
      fractional_max_pool2d_backward(zeros({1, 1, 3, 4}), r.indices, zeros({1, 1, 2}), {1, 1, 6, 6}, 2),
      ShapeError);
  EXPECT_THROW(fractional_max_pool2d_backward(zeros({1, 1, 3, 3}), r.indices.to(DType::Int32),
                                              zeros({1, 1, 2}), {1, 1, 6, 6}, 2),
               DTypeError);
}

// ---- GPU: the same samples give bit-identical outputs, indices and gradients ----

class FractionalPoolGpu : public test::GpuTest {};

TEST_F(FractionalPoolGpu, MatchesCpuBitForBit) {
  unsigned seed = 100;
  const Device gpu = Device::cuda();
  for (const DType dtype : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16}) {
    for (const Config& c : kConfigs) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " " + shape_str(c.shape));
      const Tensor x = from_vector(uniform_values(shape_numel(c.shape), ++seed, -2, 2), c.shape).to(dtype);
      const Tensor samples =
          from_vector(uniform_values(2 * c.shape[0] * c.shape[1], ++seed, 0, 1), {c.shape[0], c.shape[1], 2});
      const FractionalPoolResult cpu = fractional_max_pool2d(x, samples, c.kernel, c.size);
      const FractionalPoolResult cuda = fractional_max_pool2d(x.to(gpu), samples.to(gpu), c.kernel, c.size);
      EXPECT_EQ(cuda.output.to(Device::cpu()).to_vector<double>(), cpu.output.to_vector<double>());
      EXPECT_EQ(cuda.indices.to(Device::cpu()).to_vector<int64_t>(), cpu.indices.to_vector<int64_t>());
      const Tensor up =
          from_vector(uniform_values(cpu.output.numel(), ++seed, -1, 1), cpu.output.shape()).to(dtype);
      const Tensor g_cpu = fractional_max_pool2d_backward(up, cpu.indices, samples, c.shape, c.kernel);
      const Tensor g_gpu =
          fractional_max_pool2d_backward(up.to(gpu), cuda.indices, samples.to(gpu), c.shape, c.kernel);
      EXPECT_EQ(g_gpu.to(Device::cpu()).to_vector<double>(), g_cpu.to_vector<double>());
    }
  }
}

}  // namespace
}  // namespace minidl::kernels
