// batch_norm() against a float64 nested-loop reference written here (forward, running
// statistics over several steps, backward by docs/formulas.md's closed form), float64 finite
// differences (gradcheck) for input/weight/bias, evaluation mode, a mean of 1e4 in float32,
// the N*H*W = 1 error; BatchNormGpu: CUDA against the CPU within tolerance.
#include "core/ops/batch_norm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/autograd.h"
#include "support/gpu_test.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using Values = std::vector<double>;

Values random_values(int64_t n, unsigned seed, double mean = 0.0, double stddev = 1.0) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> dist(mean, stddev);
  Values v(static_cast<std::size_t>(n));
  for (double& x : v) x = dist(rng);
  return v;
}

Tensor tensor_of(const Values& v, const Shape& shape, DType dtype = DType::Float64) {
  return from_vector(v, shape).to(dtype);
}

// ---- the float64 reference ----

struct Geometry {
  int64_t batch, channels, spatial;
  explicit Geometry(const Shape& shape) : batch(shape[0]), channels(shape[1]), spatial(1) {
    for (std::size_t d = 2; d < shape.size(); ++d) spatial *= shape[d];
  }
  int64_t at(int64_t n, int64_t c, int64_t s) const { return (n * channels + c) * spatial + s; }
  int64_t count() const { return batch * spatial; }
};

struct Reference {
  Values y, mean, var;  // var: the biased batch variance, or the running one in evaluation
};

// y = relu?((x - mean) / sqrt(var + eps) * w + b) with two-pass batch statistics in
// training (then running_mean/var move by momentum, the variance unbiased), running ones else.
Reference reference_forward(const Values& x, const Shape& shape, const Values& w, const Values& b,
                            Values* running_mean, Values* running_var, bool training, double momentum,
                            double eps, bool relu) {
  const Geometry g(shape);
  Reference r{Values(x.size()), Values(g.channels), Values(g.channels)};
  for (int64_t c = 0; c < g.channels; ++c) {
    double mean = 0, m2 = 0;
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t s = 0; s < g.spatial; ++s) mean += x[g.at(n, c, s)];
    mean /= static_cast<double>(g.count());
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t s = 0; s < g.spatial; ++s) m2 += (x[g.at(n, c, s)] - mean) * (x[g.at(n, c, s)] - mean);
    if (training) {
      r.mean[c] = mean, r.var[c] = m2 / static_cast<double>(g.count());
      if (running_mean != nullptr) {
        (*running_mean)[c] = (1 - momentum) * (*running_mean)[c] + momentum * mean;
        (*running_var)[c] =
            (1 - momentum) * (*running_var)[c] + momentum * m2 / static_cast<double>(g.count() - 1);
      }
    } else {
      r.mean[c] = (*running_mean)[c], r.var[c] = (*running_var)[c];
    }
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t s = 0; s < g.spatial; ++s) {
        const int64_t i = g.at(n, c, s);
        const double y = (x[i] - r.mean[c]) / std::sqrt(r.var[c] + eps) * (w.empty() ? 1.0 : w[c]) +
                         (b.empty() ? 0.0 : b[c]);
        r.y[i] = relu && y < 0 ? 0.0 : y;
      }
  }
  return r;
}

struct ReferenceGrads {
  Values dx, dw, db;
};

// docs/formulas.md: dbeta = sum dy, dgamma = sum dy*xhat, dx = gamma/sqrt(var+eps)/n * (n*dy - dbeta -
// xhat*dgamma) in training, gamma/sqrt(var+eps) * dy in evaluation; dy masked by y > 0 with ReLU.
ReferenceGrads reference_backward(const Values& x, const Values& dy_in, const Shape& shape, const Values& w,
                                  const Reference& fwd, bool training, double eps, bool relu) {
  const Geometry g(shape);
  ReferenceGrads r{Values(x.size()), Values(g.channels), Values(g.channels)};
  Values dy = dy_in;
  if (relu)
    for (std::size_t i = 0; i < dy.size(); ++i) dy[i] = fwd.y[i] > 0 ? dy[i] : 0.0;
  const auto n_values = static_cast<double>(g.count());
  for (int64_t c = 0; c < g.channels; ++c) {
    const double invstd = 1 / std::sqrt(fwd.var[c] + eps), gamma = w.empty() ? 1.0 : w[c];
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t s = 0; s < g.spatial; ++s) {
        const int64_t i = g.at(n, c, s);
        r.db[c] += dy[i];
        r.dw[c] += dy[i] * (x[i] - fwd.mean[c]) * invstd;
      }
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t s = 0; s < g.spatial; ++s) {
        const int64_t i = g.at(n, c, s);
        const double xhat = (x[i] - fwd.mean[c]) * invstd;
        r.dx[i] = training ? gamma * invstd / n_values * (n_values * dy[i] - r.db[c] - xhat * r.dw[c])
                           : gamma * invstd * dy[i];
      }
  }
  return r;
}

void expect_near(const Values& got, const Values& want, double tolerance, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tolerance * (1 + std::abs(want[i]))) << what << " element " << i;
}

// ---- tests ----

struct Case {
  Shape shape;
  bool affine;
  bool relu;
};

const Case kCases[] = {{{8, 3, 5, 4}, true, false}, {{16, 6}, true, false},
                       {{4, 2, 7}, false, false},   {{5, 4, 3, 3}, true, true},
                       {{2, 3, 1, 9}, false, true}, {{3, 1, 2, 2, 2}, true, false},
                       // 4,347 values per channel: two CPU chunks of 4,096, split inside a row of 483
                       {{9, 2, 23, 21}, true, true}};

TEST(BatchNorm, TrainingForwardAndBackwardMatchFloat64Reference) {
  for (const Case& k : kCases) {
    const int64_t numel = shape_numel(k.shape), channels = k.shape[1];
    const Values x = random_values(numel, 1, 0.5, 2.0), dy = random_values(numel, 2);
    const Values w = k.affine ? random_values(channels, 3, 1.0, 0.5) : Values();
    const Values b = k.affine ? random_values(channels, 4) : Values();
    const Tensor input = tensor_of(x, k.shape).requires_grad_(true);
    const Tensor weight = k.affine ? tensor_of(w, {channels}).requires_grad_(true) : Tensor();
    const Tensor bias = k.affine ? tensor_of(b, {channels}).requires_grad_(true) : Tensor();
    const Tensor y = batch_norm(input, {}, {}, weight, bias, true, 0.1, 1e-5, k.relu);
    const Reference want = reference_forward(x, k.shape, w, b, nullptr, nullptr, true, 0.1, 1e-5, k.relu);
    expect_near(y.to_vector<double>(), want.y, 1e-12, "y");
    y.backward(tensor_of(dy, k.shape));
    const ReferenceGrads grads = reference_backward(x, dy, k.shape, w, want, true, 1e-5, k.relu);
    expect_near(input.grad().to_vector<double>(), grads.dx, 1e-11, "dx");
    if (k.affine) {
      expect_near(weight.grad().to_vector<double>(), grads.dw, 1e-11, "dweight");
      expect_near(bias.grad().to_vector<double>(), grads.db, 1e-11, "dbias");
    }
  }
}

TEST(BatchNorm, RunningStatisticsAfterSeveralSteps) {
  const Shape shape{6, 3, 4, 2};
  for (const double momentum : {0.1, 0.3}) {
    Values ref_mean(3, 0.0), ref_var(3, 1.0);
    const Tensor running_mean = zeros({3}, {.dtype = DType::Float64}),
                 running_var = ones({3}, {.dtype = DType::Float64});
    for (unsigned step = 0; step < 4; ++step) {
      const Values x = random_values(shape_numel(shape), 10 + step, step - 1.0, 1.0 + step);
      batch_norm(tensor_of(x, shape), running_mean, running_var, {}, {}, true, momentum);
      reference_forward(x, shape, {}, {}, &ref_mean, &ref_var, true, momentum, 1e-5, false);
    }
    expect_near(running_mean.to_vector<double>(), ref_mean, 1e-13, "running_mean");
    expect_near(running_var.to_vector<double>(), ref_var, 1e-13, "running_var");
  }
}

TEST(BatchNorm, EvaluationUsesRunningStatisticsAndLeavesThem) {
  const Shape shape{4, 3, 2, 2};
  const Values x = random_values(48, 5), w{1.5, -0.5, 2.0}, b{0.1, 0.2, -0.3};
  Values mean{0.2, -1.0, 3.0}, var{0.5, 2.0, 1.5};
  const Tensor running_mean = tensor_of(mean, {3}), running_var = tensor_of(var, {3});
  const Tensor input = tensor_of(x, shape).requires_grad_(true);
  const Tensor y = batch_norm(input, running_mean, running_var, tensor_of(w, {3}), tensor_of(b, {3}), false);
  const Reference want = reference_forward(x, shape, w, b, &mean, &var, false, 0.1, 1e-5, false);
  expect_near(y.to_vector<double>(), want.y, 1e-13, "y");
  EXPECT_EQ(running_mean.to_vector<double>(), mean);
  EXPECT_EQ(running_var.to_vector<double>(), var);
  const Values dy = random_values(48, 6);
  y.backward(tensor_of(dy, shape));
  expect_near(input.grad().to_vector<double>(),
              reference_backward(x, dy, shape, w, want, false, 1e-5, false).dx, 1e-13, "dx");
}

TEST(BatchNorm, GradcheckTraining) {
  for (const bool relu : {false, true}) {
    const Tensor x = test::random_leaf({4, 3, 3, 2}, 21, -2.0, 2.0);
    const Tensor w = test::random_leaf({3}, 22, 0.5, 1.5), b = test::random_leaf({3}, 23);
    EXPECT_TRUE(test::gradcheck(
        [&](const std::vector<Tensor>& in) {
          return batch_norm(in[0], {}, {}, in[1], in[2], true, 0.1, 1e-5, relu);
        },
        {x, w, b}))
        << "relu=" << relu;
  }
  const Tensor x = test::random_leaf({7, 5}, 24, 0.0, 3.0);
  EXPECT_TRUE(test::gradcheck(
      [](const std::vector<Tensor>& in) { return batch_norm(in[0], {}, {}, {}, {}, true); }, {x}));
}

TEST(BatchNorm, GradcheckEvaluation) {
  const Tensor running_mean = tensor_of({0.3, -0.2}, {2}), running_var = tensor_of({0.7, 1.9}, {2});
  const Tensor x = test::random_leaf({3, 2, 4}, 31), w = test::random_leaf({2}, 32),
               b = test::random_leaf({2}, 33);
  EXPECT_TRUE(test::gradcheck(
      [&](const std::vector<Tensor>& in) {
        return batch_norm(in[0], running_mean, running_var, in[1], in[2]);
      },
      {x, w, b}));
}

// Mean 1e4 and unit variance in float32: Welford keeps the statistics, so the output matches
// the float64 reference on the same (float-rounded) inputs to the inputs' own resolution.
TEST(BatchNorm, LargeMeanInFloat32) {
  const Shape shape{32, 4, 16, 16};
  Values x = random_values(shape_numel(shape), 41, 1e4, 1.0);
  for (double& v : x) v = static_cast<float>(v);
  Values ref_mean(4, 0.0), ref_var(4, 1.0);
  const Reference want = reference_forward(x, shape, {}, {}, &ref_mean, &ref_var, true, 0.1, 1e-5, false);
  const Tensor running_mean = zeros({4}), running_var = ones({4});
  const Tensor y = batch_norm(tensor_of(x, shape, DType::Float32), running_mean, running_var, {}, {}, true);
  expect_near(y.to_vector<double>(), want.y, 2e-3, "y");  // ulp(1e4) = 1e-3 in float
  expect_near(running_mean.to_vector<double>(), ref_mean, 1e-6, "running_mean");
  expect_near(running_var.to_vector<double>(), ref_var, 1e-4, "running_var");
}

TEST(BatchNorm, SixteenBitInputWithFloatParameters) {
  const Shape shape{8, 2, 3, 3};
  Values x = random_values(shape_numel(shape), 51);
  const Tensor half = tensor_of(x, shape, DType::Float16);
  x = half.to_vector<double>();
  const Values w{0.5, 2.0}, b{1.0, -1.0};
  Values mean{0, 0}, var{1, 1};
  const Reference want = reference_forward(x, shape, w, b, &mean, &var, true, 0.1, 1e-5, false);
  const Tensor running_mean = zeros({2}), running_var = ones({2});
  const Tensor y = batch_norm(half, running_mean, running_var, tensor_of(w, {2}, DType::Float32),
                              tensor_of(b, {2}, DType::Float32), true);
  EXPECT_EQ(y.dtype(), DType::Float16);
  expect_near(y.to_vector<double>(), want.y, 2e-3, "y");
  expect_near(running_var.to_vector<double>(), var, 1e-6, "running_var");
}

TEST(BatchNorm, NonContiguousInput) {
  const Values x = random_values(60, 61);
  const Tensor base = tensor_of(x, {3, 4, 5});
  const Tensor permuted = base.permute({2, 1, 0});  // (5, 4, 3), strided
  const Tensor a = batch_norm(permuted, {}, {}, {}, {}, true),
               b = batch_norm(permuted.contiguous(), {}, {}, {}, {}, true);
  EXPECT_EQ(a.to_vector<double>(), b.to_vector<double>());
  const Tensor strided_weight = tensor_of({2.0, 9.0, -1.0, 9.0, 0.5, 9.0, 3.0, 9.0}, {8}).slice(0, 0, 8, 2);
  const Tensor packed_weight = strided_weight.contiguous();
  EXPECT_EQ(batch_norm(permuted, {}, {}, strided_weight, {}, true).to_vector<double>(),
            batch_norm(permuted, {}, {}, packed_weight, {}, true).to_vector<double>());
}

TEST(BatchNorm, OneValuePerChannelInTrainingIsAnError) {
  for (const Shape& shape : {Shape{1, 3}, Shape{1, 3, 1, 1}}) {
    try {
      batch_norm(ones(shape), {}, {}, {}, {}, true);
      FAIL() << "no error for " << shape_str(shape);
    } catch (const ValueError& e) {
      EXPECT_EQ(std::string(e.what()),
                "Expected more than 1 value per channel when training, got input size " + shape_str(shape));
    }
  }
  EXPECT_NO_THROW(batch_norm(ones({1, 3}), zeros({3}), ones({3}), {}, {}, false));  // evaluation is fine
  EXPECT_NO_THROW(batch_norm(ones({2, 3}), {}, {}, {}, {}, true));
}

TEST(BatchNorm, RejectsBadArguments) {
  EXPECT_THROW(batch_norm(ones({4}), {}, {}, {}, {}, true), ShapeError);
  EXPECT_THROW(batch_norm(ones({4, 3}), {}, {}, {}, {}, false),
               ValueError);  // evaluation needs running stats
  EXPECT_THROW(batch_norm(ones({4, 3}), zeros({3}), {}, {}, {}, true), ValueError);
  EXPECT_THROW(batch_norm(ones({4, 3}), {}, {}, ones({4}), {}, true), ShapeError);
  EXPECT_THROW(batch_norm(ones({4, 3}), {}, {}, ones({3}, {.dtype = DType::Float64}), {}, true), DTypeError);
  EXPECT_THROW(batch_norm(ones({4, 3}, {.dtype = DType::Int32}), {}, {}, {}, {}, true), DTypeError);
  EXPECT_THROW(batch_norm(ones({4, 3}), {}, {}, {}, {}, true, 0.1, 0.0), ValueError);
}

// ---- GPU: the same results as the CPU, within float tolerance ----

class BatchNormGpu : public test::GpuTest {};

TEST_F(BatchNormGpu, MatchesCpu) {
  for (const Case& k : {Case{{64, 16, 8, 8}, true, false}, Case{{512, 32}, true, true},
                        Case{{2, 3, 200, 300}, false, false}, Case{{16, 64, 32, 32}, true, true}}) {
    const int64_t numel = shape_numel(k.shape), channels = k.shape[1];
    const Tensor x = tensor_of(random_values(numel, 71, 3.0, 2.0), k.shape, DType::Float32);
    const Tensor w = k.affine ? tensor_of(random_values(channels, 73), {channels}, DType::Float32) : Tensor();
    const Tensor b = k.affine ? tensor_of(random_values(channels, 74), {channels}, DType::Float32) : Tensor();
    Values upstream = random_values(numel, 72);
    if (k.relu) {
      // The fused ReLU's mask jumps at 0: where the pre-activation is within rounding of 0, the
      // two devices may disagree on the mask (seen on an H200: one element of a million). Zero
      // the upstream gradient there, so both masks give the same gradients.
      const Values z = batch_norm(x.to(DType::Float64), {}, {}, w.to(DType::Float64), b.to(DType::Float64), true,
                                  0.1, 1e-5, false)
                           .to_vector<double>();
      for (std::size_t i = 0; i < upstream.size(); ++i)
        if (std::abs(z[i]) < 1e-4) upstream[i] = 0;
    }
    const Tensor dy = tensor_of(upstream, k.shape, DType::Float32);
    std::vector<Tensor> outputs[2], grads[2], running[2];
    for (int d = 0; d < 2; ++d) {
      const Device device = d == 0 ? Device::cpu() : Device::cuda();
      // Fresh leaves on each device (x.to(cpu) is x itself, which the CUDA copy must not see as
      // requiring grad).
      const Tensor input = x.detach().to(device).requires_grad_(true);
      const Tensor weight = k.affine ? w.detach().to(device).requires_grad_(true) : Tensor();
      const Tensor bias = k.affine ? b.detach().to(device).requires_grad_(true) : Tensor();
      const Tensor rm = zeros({channels}, {.device = device}), rv = ones({channels}, {.device = device});
      const Tensor y = batch_norm(input, rm, rv, weight, bias, true, 0.1, 1e-5, k.relu);
      y.backward(dy.to(device));
      const Tensor y_eval = batch_norm(x.to(device), rm, rv, weight.defined() ? weight.detach() : Tensor(),
                                       bias.defined() ? bias.detach() : Tensor(), false, 0.1, 1e-5, k.relu);
      outputs[d] = {y.to(Device::cpu()), y_eval.to(Device::cpu())};
      grads[d] = {input.grad().to(Device::cpu())};
      if (k.affine)
        grads[d].push_back(weight.grad().to(Device::cpu())),
            grads[d].push_back(bias.grad().to(Device::cpu()));
      running[d] = {rm.to(Device::cpu()), rv.to(Device::cpu())};
    }
    for (std::size_t i = 0; i < outputs[0].size(); ++i)
      expect_near(outputs[1][i].to_vector<double>(), outputs[0][i].to_vector<double>(), 1e-4, "output");
    for (std::size_t i = 0; i < running[0].size(); ++i)
      expect_near(running[1][i].to_vector<double>(), running[0][i].to_vector<double>(), 1e-5, "running");
    // Gradient sums run over up to 2^16 values per channel: a looser relative tolerance.
    for (std::size_t i = 0; i < grads[0].size(); ++i)
      expect_near(grads[1][i].to_vector<double>(), grads[0][i].to_vector<double>(), 1e-3, "gradient");
  }
}

TEST_F(BatchNormGpu, LargeMeanInFloat32) {
  const Shape shape{64, 3, 32, 32};
  const Tensor x = tensor_of(random_values(shape_numel(shape), 81, 1e4, 1.0), shape, DType::Float32);
  const Tensor cpu = batch_norm(x, {}, {}, {}, {}, true);
  const Tensor gpu = batch_norm(x.to(Device::cuda()), {}, {}, {}, {}, true);
  expect_near(gpu.to(Device::cpu()).to_vector<double>(), cpu.to_vector<double>(), 4e-3, "y");
}

}  // namespace
}  // namespace minidl
