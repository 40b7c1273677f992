// conv2d(): values and gradients against direct nested-loop references of the definition
// over a grid of stride/padding/dilation/groups/bias cases (including 1x1, depthwise, batch
// smaller and larger than the thread count), float64 finite-difference gradients,
// non-contiguous inputs, unbatched input, float16 on the CPU, and errors that name the
// shapes; ConvGpu: cuDNN forward and backward against the CPU.
#include "core/ops/conv.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/math_mode.h"
#include "support/gpu_test.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using test::gradcheck;
using test::random_leaf;

struct ConvCase {
  Shape x, w;
  bool bias;
  Size2 stride, padding, dilation;
  int64_t groups;
};

std::string describe(const ConvCase& c) {
  return "x " + shape_str(c.x) + " w " + shape_str(c.w) + (c.bias ? " bias" : "") + " stride (" +
         std::to_string(c.stride.h) + "," + std::to_string(c.stride.w) + ") pad (" +
         std::to_string(c.padding.h) + "," + std::to_string(c.padding.w) + ") dil (" +
         std::to_string(c.dilation.h) + "," + std::to_string(c.dilation.w) + ") groups " +
         std::to_string(c.groups);
}

const std::vector<ConvCase>& cases() {
  static const std::vector<ConvCase> all = {
      {{2, 4, 6, 6}, {6, 4, 3, 3}, true, 1, 1, 1, 1},
      {{2, 4, 7, 6}, {4, 2, 3, 2}, false, 2, {1, 0}, 1, 2},
      {{1, 3, 7, 7}, {2, 3, 3, 3}, true, 1, 2, 2, 1},             // one sample: GEMMs split instead
      {{3, 4, 5, 5}, {4, 1, 3, 3}, true, {1, 2}, 1, 1, 4},        // depthwise
      {{2, 3, 5, 5}, {5, 3, 1, 1}, true, 1, 0, 1, 1},             // pointwise: x is the column matrix
      {{2, 3, 6, 6}, {4, 3, 1, 1}, false, 2, 0, 1, 1},            // 1x1 with stride
      {{2, 2, 4, 5}, {3, 2, 4, 5}, true, 1, 0, 1, 1},             // one output pixel
      {{3, 6, 5, 5}, {6, 2, 2, 2}, false, {2, 1}, 1, {2, 1}, 3},  // mixed pairs
  };
  return all;
}

// The convolution by its definition (zero padding), with batch, group and window indices spelled out.
struct Reference {
  Shape out_shape;
  std::vector<double> y;
};

Reference reference_conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const ConvCase& c) {
  const std::vector<double> xv = x.to_vector<double>(), wv = w.to_vector<double>();
  const std::vector<double> bv = b.defined() ? b.to_vector<double>() : std::vector<double>();
  const int64_t n_ = x.size(0), ch = x.size(1), h = x.size(2), wd = x.size(3);
  const int64_t o_ = w.size(0), cg = w.size(1), kh = w.size(2), kw = w.size(3);
  const int64_t oh = (h + 2 * c.padding.h - c.dilation.h * (kh - 1) - 1) / c.stride.h + 1;
  const int64_t ow = (wd + 2 * c.padding.w - c.dilation.w * (kw - 1) - 1) / c.stride.w + 1;
  Reference r{{n_, o_, oh, ow}, std::vector<double>(static_cast<std::size_t>(n_ * o_ * oh * ow), 0.0)};
  for (int64_t n = 0; n < n_; ++n)
    for (int64_t o = 0; o < o_; ++o) {
      const int64_t g = o / (o_ / c.groups);
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double acc = b.defined() ? bv[o] : 0.0;
          for (int64_t cc = 0; cc < cg; ++cc)
            for (int64_t p = 0; p < kh; ++p)
              for (int64_t q = 0; q < kw; ++q) {
                const int64_t hi = i * c.stride.h - c.padding.h + p * c.dilation.h;
                const int64_t wi = j * c.stride.w - c.padding.w + q * c.dilation.w;
                if (hi < 0 || hi >= h || wi < 0 || wi >= wd) continue;
                const int64_t xc = g * cg + cc;
                acc += xv[((n * ch + xc) * h + hi) * wd + wi] * wv[((o * cg + cc) * kh + p) * kw + q];
              }
          r.y[((n * o_ + o) * oh + i) * ow + j] = acc;
        }
    }
  (void)ch;
  return r;
}

Tensor values(const Shape& shape, unsigned seed, DType dtype = DType::Float64) {
  return random_leaf(shape, seed).detach().to(dtype);
}

void expect_close(const std::vector<double>& got, const std::vector<double>& want, double tol,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tol * (1 + std::abs(want[i]))) << what << " element " << i;
}

Tensor run(const ConvCase& c, const Tensor& x, const Tensor& w, const Tensor& b) {
  return conv2d(x, w, b, c.stride, c.padding, c.dilation, c.groups);
}

TEST(Conv2d, MatchesNestedLoopReferenceOverTheGrid) {
  for (const DType dtype : {DType::Float64, DType::Float32}) {
    unsigned seed = 100;
    for (const ConvCase& c : cases()) {
      const Tensor x = values(c.x, ++seed, dtype), w = values(c.w, ++seed, dtype);
      const Tensor b = c.bias ? values({c.w[0]}, ++seed, dtype) : Tensor();
      const Reference want = reference_conv2d(x, w, b, c);
      const Tensor y = run(c, x, w, b);
      ASSERT_EQ(y.shape(), want.out_shape) << describe(c);
      EXPECT_EQ(y.dtype(), dtype);
      expect_close(y.to_vector<double>(), want.y, dtype == DType::Float64 ? 1e-12 : 1e-5, describe(c));
    }
  }
}

TEST(Conv2d, GradientsMatchFiniteDifferencesOverTheGrid) {
  unsigned seed = 200;
  for (const ConvCase& c : cases()) {
    std::vector<Tensor> inputs = {random_leaf(c.x, ++seed), random_leaf(c.w, ++seed)};
    if (c.bias) inputs.push_back(random_leaf({c.w[0]}, ++seed));
    EXPECT_TRUE(gradcheck(
        [&c](const std::vector<Tensor>& in) {
          return run(c, in[0], in[1], in.size() > 2 ? in[2] : Tensor());
        },
        inputs))
        << describe(c);
  }
}

TEST(Conv2d, NonContiguousInputsAndWeights) {
  const ConvCase c{{2, 3, 5, 6}, {4, 3, 3, 3}, true, 1, 1, 1, 1};
  // x stored channels-last ([N, H, W, C] permuted to NCHW); the weight a strided slice.
  Tensor x = random_leaf({2, 5, 6, 3}, 300).detach().permute({0, 3, 1, 2});
  Tensor w = random_leaf({8, 3, 3, 3}, 301).detach().slice(0, 0, 8, 2);
  Tensor b = random_leaf({4}, 302);
  x.requires_grad_(true);
  w.requires_grad_(true);
  const Reference want = reference_conv2d(x, w, b, c);
  expect_close(run(c, x, w, b).to_vector<double>(), want.y, 1e-12, "forward");
  EXPECT_TRUE(gradcheck([&c](const auto& in) { return run(c, in[0], in[1], in[2]); }, {x, w, b}));
}

TEST(Conv2d, UnbatchedInputIsABatchOfOne) {
  const Tensor x = random_leaf({3, 6, 6}, 310), w = random_leaf({4, 3, 3, 3}, 311);
  const Tensor y = conv2d(x, w, Tensor(), 1, 1);
  ASSERT_EQ(y.shape(), Shape({4, 6, 6}));
  const Reference want =
      reference_conv2d(x.detach().unsqueeze(0), w, Tensor(), {{1, 3, 6, 6}, {4, 3, 3, 3}, false, 1, 1, 1, 1});
  expect_close(y.to_vector<double>(), want.y, 1e-12, "unbatched");
  EXPECT_TRUE(gradcheck([](const auto& in) { return conv2d(in[0], in[1], Tensor(), 2, 1); }, {x, w}));
}

// Direct loops for the gradients at a CIFAR-like size, where the per-thread partial sums of
// dW and db and the col2im scatter of dx are exercised on many samples.
TEST(Conv2d, BackwardMatchesReferenceLoopsOnALargerBatch) {
  const ConvCase c{{6, 8, 10, 10}, {16, 8, 3, 3}, true, 1, 1, 1, 1};
  const Tensor x = values(c.x, 320, DType::Float32), w = values(c.w, 321, DType::Float32);
  const Tensor b = values({16}, 322, DType::Float32);
  for (const Tensor& t : {x, w, b}) t.requires_grad_(true);
  const Tensor y = run(c, x, w, b);
  const Tensor dy = values(y.shape(), 323, DType::Float32);
  y.backward(dy);
  const std::vector<double> xv = x.to_vector<double>(), wv = w.to_vector<double>(),
                            g = dy.to_vector<double>();
  std::vector<double> dx(xv.size(), 0.0), dw(wv.size(), 0.0), db(16, 0.0);
  for (int64_t n = 0; n < 6; ++n)
    for (int64_t o = 0; o < 16; ++o)
      for (int64_t i = 0; i < 10; ++i)
        for (int64_t j = 0; j < 10; ++j) {
          const double go = g[((n * 16 + o) * 10 + i) * 10 + j];
          db[o] += go;
          for (int64_t ch = 0; ch < 8; ++ch)
            for (int64_t p = 0; p < 3; ++p)
              for (int64_t q = 0; q < 3; ++q) {
                const int64_t hi = i - 1 + p, wi = j - 1 + q;
                if (hi < 0 || hi >= 10 || wi < 0 || wi >= 10) continue;
                const int64_t xi = ((n * 8 + ch) * 10 + hi) * 10 + wi, wj = ((o * 8 + ch) * 3 + p) * 3 + q;
                dx[xi] += go * wv[wj];
                dw[wj] += go * xv[xi];
              }
        }
  expect_close(x.grad().to_vector<double>(), dx, 1e-4, "dx");
  expect_close(w.grad().to_vector<double>(), dw, 1e-4, "dw");
  expect_close(b.grad().to_vector<double>(), db, 1e-4, "db");
}

TEST(Conv2d, OnlyRequestedGradientsAreComputed) {
  const Tensor x = values({2, 3, 5, 5}, 330), w = random_leaf({4, 3, 3, 3}, 331), b = values({4}, 332);
  conv2d(x, w, b, 1, 1).backward(ones({2, 4, 5, 5}, {.dtype = DType::Float64}));
  EXPECT_TRUE(w.grad().defined());
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(b.grad().defined());
}

TEST(Conv2d, Float16OnCpuRoundsTheFloat32Result) {
  const Tensor x = values({2, 3, 6, 6}, 340, DType::Float16), w = values({4, 3, 3, 3}, 341, DType::Float16);
  const Tensor y = conv2d(x, w, Tensor(), 1, 1);
  EXPECT_EQ(y.dtype(), DType::Float16);
  const Tensor want = conv2d(x.to(DType::Float32), w.to(DType::Float32), Tensor(), 1, 1).to(DType::Float16);
  EXPECT_EQ(y.to_vector<float>(), want.to_vector<float>());
}

void expect_shape_error(const std::function<void()>& f, const std::vector<std::string>& mentions) {
  try {
    f();
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    for (const std::string& m : mentions)
      EXPECT_NE(std::string(e.what()).find(m), std::string::npos) << e.what();
  }
}

TEST(Conv2d, ErrorsNameTheShapes) {
  expect_shape_error(
      [] {
        conv2d(zeros({2, 3, 8, 8}), zeros({4, 5, 3, 3}));
      },
      {"[2, 3, 8, 8]", "[4, 5, 3, 3]"});
  expect_shape_error(
      [] {
        conv2d(zeros({1, 4, 8, 8}), zeros({4, 2, 3, 3}), Tensor(), 1, 0, 1, 3);
      },
      {"[4, 2, 3, 3]"});  // 4 output channels in 3 groups
  expect_shape_error(
      [] {
        conv2d(zeros({1, 3, 2, 2}), zeros({4, 3, 3, 3}));
      },
      {"[1, 3, 2, 2]", "[4, 3, 3, 3]"});
  expect_shape_error(
      [] {
        conv2d(zeros({1, 3, 8, 8}), zeros({4, 3, 3, 3}), zeros({5}));
      },
      {"[5]", "[4, 3, 3, 3]"});
  expect_shape_error([] { conv2d(zeros({3, 8, 8, 1, 1}), zeros({4, 3, 3, 3})); }, {"[3, 8, 8, 1, 1]"});
  EXPECT_THROW(conv2d(zeros({1, 3, 8, 8}), zeros({4, 3, 3, 3}), Tensor(), 0), ValueError);
  EXPECT_THROW(conv2d(zeros({1, 3, 8, 8}), zeros({4, 3, 3, 3}, {.dtype = DType::Float64})), DTypeError);
}

// ---- CUDA against the CPU ----

class ConvGpu : public test::GpuTest {};

Tensor gpu_leaf(const Tensor& t) {
  Tensor g = t.detach().to(Device::cuda());
  g.requires_grad_(true);
  return g;
}

TEST_F(ConvGpu, ForwardAndBackwardMatchCpu) {
  for (const DType dtype : {DType::Float64, DType::Float32}) {
    // float32 without TF32 (the fixture turns it off): FMA arithmetic, float32 rounding.
    const double tol = dtype == DType::Float64 ? 1e-10 : 1e-4;
    unsigned seed = 400;
    for (const ConvCase& c : cases()) {
      const Tensor x = values(c.x, ++seed, dtype), w = values(c.w, ++seed, dtype);
      const Tensor b = c.bias ? values({c.w[0]}, ++seed, dtype) : Tensor();
      for (const Tensor& t : {x, w, b})
        if (t.defined()) t.requires_grad_(true);
      const Tensor gx = gpu_leaf(x), gw = gpu_leaf(w), gb = c.bias ? gpu_leaf(b) : Tensor();
      const Tensor y = run(c, x, w, b), gy = run(c, gx, gw, gb);
      expect_close(gy.to(Device::cpu()).to_vector<double>(), y.to_vector<double>(), tol,
                   "forward " + describe(c));
      const Tensor up = values(y.shape(), ++seed, dtype);
      y.backward(up);
      gy.backward(up.to(Device::cuda()));
      expect_close(gx.grad().to(Device::cpu()).to_vector<double>(), x.grad().to_vector<double>(), tol,
                   "dx " + describe(c));
      expect_close(gw.grad().to(Device::cpu()).to_vector<double>(), w.grad().to_vector<double>(), tol,
                   "dw " + describe(c));
      if (c.bias)
        expect_close(gb.grad().to(Device::cpu()).to_vector<double>(), b.grad().to_vector<double>(), tol,
                     "db " + describe(c));
    }
  }
}

// allow_tf32_conv() on (PyTorch's default) may trade float32 precision for tensor cores: the
// result stays within TF32's error; off, within float32's. Each setting gets its own cached
// algorithms, so switching back and forth keeps both right.
TEST_F(ConvGpu, Tf32SwitchSelectsTheArithmetic) {
  const Tensor x = values({16, 64, 16, 16}, 460, DType::Float32), w = values({64, 64, 3, 3}, 461, DType::Float32);
  const Tensor want = conv2d(x.to(DType::Float64), w.to(DType::Float64), Tensor(), 1, 1);
  const Tensor gx = x.to(Device::cuda()), gw = w.to(Device::cuda());
  for (const bool tf32 : {true, false, true, false}) {
    const Tf32Scope scope(tf32, false);
    const Tensor y = conv2d(gx, gw, Tensor(), 1, 1);
    expect_close(y.to(Device::cpu()).to_vector<double>(), want.to_vector<double>(), tf32 ? 2e-2 : 1e-4,
                 tf32 ? "TF32 allowed" : "TF32 off");
  }
}

TEST_F(ConvGpu, HalfPrecisionAndRepeatedShapesUseTheCachedAlgorithms) {
  const Tensor x = values({8, 16, 12, 12}, 450, DType::Float32),
               w = values({32, 16, 3, 3}, 451, DType::Float32);
  const Tensor want = conv2d(x, w, Tensor(), 1, 1);
  for (const DType dtype : {DType::Float16, DType::BFloat16}) {
    for (int repeat = 0; repeat < 3; ++repeat) {
      const Tensor y = conv2d(x.to(dtype).to(Device::cuda()), w.to(dtype).to(Device::cuda()), Tensor(), 1, 1);
      EXPECT_EQ(y.dtype(), dtype);
      expect_close(y.to(Device::cpu()).to_vector<double>(), want.to_vector<double>(),
                   dtype == DType::Float16 ? 2e-2 : 1e-1,
                   std::string("half ") + std::string(dtype_name(dtype)));
    }
  }
}

}  // namespace
}  // namespace minidl
