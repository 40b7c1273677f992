// Random factories and fills (core/random.*): moments within bounds that hold with
// overwhelming probability (6 sigma at n = 1e6), reproducibility, the index-only
// contract of Philox4x32-10 streams (Salmon et al. 2011), dtypes, errors, and (on a
// GPU) CPU and CUDA giving the same bits.
#include "core/random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/math/random.h"
#include "support/expect_error.h"
#include "support/gpu_test.h"

namespace minidl {
namespace {

constexpr int64_t kMillion = 1000000;

struct Moments {
  double mean = 0, var = 0, fourth = 0;  // central moments
};
Moments moments(const std::vector<double>& x) {
  Moments m;
  for (double v : x) m.mean += v;
  m.mean /= static_cast<double>(x.size());
  for (double v : x) {
    const double d2 = (v - m.mean) * (v - m.mean);
    m.var += d2;
    m.fourth += d2 * d2;
  }
  m.var /= static_cast<double>(x.size());
  m.fourth /= static_cast<double>(x.size());
  return m;
}

// Raw bytes, to compare bit for bit (NaN-safe, -0 != +0).
std::vector<unsigned char> bytes(const Tensor& t) {
  const Tensor host = t.to(Device::cpu()).contiguous();
  std::vector<unsigned char> out(host.nbytes());
  std::memcpy(out.data(), host.data_ptr(), out.size());
  return out;
}

// ---- distributions ----

TEST(Random, UniformMoments) {
  Generator gen(1);
  const std::vector<double> x = rand({kMillion}, {}, &gen).to_vector<double>();
  for (double v : x) ASSERT_TRUE(v >= 0.0 && v < 1.0) << v;
  const Moments m = moments(x);
  EXPECT_NEAR(m.mean, 0.5, 2e-3);      // sd 2.9e-4
  EXPECT_NEAR(m.var, 1.0 / 12, 5e-4);  // sd 7.5e-5
  std::vector<int> bins(10);
  for (double v : x) ++bins[static_cast<int>(v * 10)];
  for (int count : bins) EXPECT_NEAR(count, kMillion / 10, 1800);  // sd 300
}

TEST(Random, NormalMoments) {
  Generator gen(2);
  const std::vector<double> x = randn({kMillion}, {}, &gen).to_vector<double>();
  const Moments m = moments(x);
  EXPECT_NEAR(m.mean, 0.0, 6e-3);    // sd 1e-3
  EXPECT_NEAR(m.var, 1.0, 1e-2);     // sd 1.4e-3
  EXPECT_NEAR(m.fourth, 3.0, 6e-2);  // sd 9.8e-3
  int64_t within_one = 0;
  for (double v : x) within_one += std::fabs(v) < 1.0;
  EXPECT_NEAR(static_cast<double>(within_one) / kMillion, 0.682689, 2.8e-3);  // sd 4.7e-4
}

TEST(Random, NormalMeanAndStddev) {
  Generator gen(3);
  const Tensor t = empty({kMillion}, {.dtype = DType::Float64});
  normal_(t, -3.0, 0.5, &gen);
  const Moments m = moments(t.to_vector<double>());
  EXPECT_NEAR(m.mean, -3.0, 3e-3);
  EXPECT_NEAR(m.var, 0.25, 2.5e-3);
}

TEST(Random, BernoulliKeptFraction) {
  for (const double prob : {0.1, 0.3, 0.5, 0.9}) {
    Generator gen(4);
    const std::vector<double> x = bernoulli({kMillion}, prob, {}, &gen).to_vector<double>();
    double kept = 0;
    for (double v : x) {
      ASSERT_TRUE(v == 0.0 || v == 1.0);
      kept += v;
    }
    const double sigma = std::sqrt(prob * (1 - prob) / kMillion);
    EXPECT_NEAR(kept / kMillion, prob, 6 * sigma) << "prob " << prob;
  }
  Generator gen(5);
  EXPECT_EQ(bernoulli({1000}, 0.0, {}, &gen).to_vector<float>(), std::vector<float>(1000, 0.0f));
  EXPECT_EQ(bernoulli({1000}, 1.0, {}, &gen).to_vector<float>(), std::vector<float>(1000, 1.0f));
}

TEST(Random, BernoulliMaskIsTheSameInEveryDType) {
  Generator reference(6);
  const std::vector<float> mask = bernoulli({999}, 0.3, {}, &reference).to_vector<float>();
  for (const DType dtype : kAllDTypes) {
    Generator gen(6);
    EXPECT_EQ(bernoulli({999}, 0.3, {.dtype = dtype}, &gen).to_vector<float>(), mask) << dtype;
  }
}

TEST(Random, RandintCoversTheRangeEvenly) {
  Generator gen(7);
  EXPECT_EQ(randint(0, 3, {4}).dtype(), DType::Int64);
  const Tensor t = randint(-3, 5, {kMillion}, {.dtype = DType::Int64}, &gen);
  std::vector<int64_t> counts(8);
  for (int64_t v : t.to_vector<int64_t>()) {
    ASSERT_TRUE(v >= -3 && v < 5) << v;
    ++counts[v + 3];
  }
  for (int64_t count : counts) EXPECT_NEAR(count, kMillion / 8, 2000);  // sd 331
}

TEST(Random, RandintIntoEveryIntegerAndFloatingDType) {
  for (const DType dtype :
       {DType::UInt8, DType::Int32, DType::Float16, DType::BFloat16, DType::Float32, DType::Float64}) {
    Generator gen(8), reference(8);
    const std::vector<int64_t> want =
        randint(0, 200, {1001}, {.dtype = DType::Int64}, &reference).to_vector<int64_t>();
    EXPECT_EQ(randint(0, 200, {1001}, {.dtype = dtype}, &gen).to_vector<int64_t>(), want) << dtype;
  }
  Generator gen(9);  // the full 32-bit range
  for (int64_t v : randint(0, int64_t{1} << 32, {1000}, {.dtype = DType::Int64}, &gen).to_vector<int64_t>())
    ASSERT_TRUE(v >= 0 && v < (int64_t{1} << 32));
}

TEST(Random, UniformRespectsLowAndHigh) {
  Generator gen(10);
  const Tensor t = empty({100000}, {.dtype = DType::Float64});
  uniform_(t, -2.0, 3.0, &gen);
  double lo = 1e9, hi = -1e9;
  for (double v : t.to_vector<double>()) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_GE(lo, -2.0);
  EXPECT_LT(lo, -1.99);
  EXPECT_LT(hi, 3.0);
  EXPECT_GT(hi, 2.99);
}

// ---- reproducibility and the index-only contract ----

TEST(Random, SameSeedSameValues) {
  Generator a(11), b(11), c(12);
  const std::vector<float> x = randn({1000}, {}, &a).to_vector<float>();
  EXPECT_EQ(randn({1000}, {}, &b).to_vector<float>(), x);
  EXPECT_NE(randn({1000}, {}, &c).to_vector<float>(), x);
  manual_seed(13);
  const std::vector<float> y = rand({100}).to_vector<float>();
  manual_seed(13);
  EXPECT_EQ(rand({100}).to_vector<float>(), y);
  EXPECT_NE(rand({100}).to_vector<float>(), y);  // the offset moved on
}

TEST(Random, DifferentOffsetsGiveDifferentValues) {
  Generator gen(14);
  const std::vector<float> first = rand({64}, {}, &gen).to_vector<float>();
  const std::vector<float> second = rand({64}, {}, &gen).to_vector<float>();
  EXPECT_NE(first, second);
  int equal = 0;
  for (size_t i = 0; i < first.size(); ++i) equal += first[i] == second[i];
  EXPECT_LE(equal, 1);
  // One block of offset is four elements.
  gen.set_offset(0);
  const std::vector<float> eight = rand({8}, {}, &gen).to_vector<float>();
  gen.set_offset(1);
  EXPECT_EQ(rand({4}, {}, &gen).to_vector<float>(), std::vector<float>(eight.begin() + 4, eight.end()));
}

TEST(Random, ElementDependsOnItsIndexOnly) {
  for (const int64_t n : {1, 3, 4, 5, 1023, 100003}) {
    Generator small(15), large(15);
    const std::vector<float> x = randn({n}, {}, &small).to_vector<float>();
    std::vector<float> y = randn({2 * n}, {}, &large).to_vector<float>();
    y.resize(static_cast<size_t>(n));
    EXPECT_EQ(x, y) << n;
    Generator u_small(16), u_large(16);
    std::vector<double> u = rand({2 * n}, {.dtype = DType::Float64}, &u_large).to_vector<double>();
    u.resize(static_cast<size_t>(n));
    EXPECT_EQ(rand({n}, {.dtype = DType::Float64}, &u_small).to_vector<double>(), u) << n;
  }
}

TEST(Random, ShapeDoesNotMatterOnlyTheElementCount) {
  Generator a(17), b(17);
  EXPECT_EQ(rand({6, 5}, {}, &a).to_vector<float>(), rand({30}, {}, &b).to_vector<float>());
}

TEST(Random, GeneratorAdvancesByCeilNOverFour) {
  Generator gen(18);
  const struct {
    int64_t n;
    uint64_t blocks;
  } cases[] = {{0, 0}, {1, 1}, {3, 1}, {4, 1}, {5, 2}, {8, 2}, {1023, 256}};
  for (const auto& c : cases) {
    const uint64_t before = gen.offset();
    rand({c.n}, {}, &gen);
    EXPECT_EQ(gen.offset() - before, c.blocks) << c.n;
    randn({c.n}, {}, &gen);
    randint(0, 3, {c.n}, {}, &gen);
    bernoulli({c.n}, 0.5, {}, &gen);
    EXPECT_EQ(gen.offset() - before, 4 * c.blocks) << c.n;
  }
}

TEST(Random, ValuesFollowTheMathHeader) {
  Generator gen(19);
  gen.set_offset(7);
  const std::vector<float> x = rand({10}, {}, &gen).to_vector<float>();
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(x[i], kernels::uniform_float(kernels::philox_block(19, 7 + i / 4).v[i % 4])) << i;
}

// ---- dtypes and layouts ----

TEST(Random, SixteenBitFloatsAreRoundedFloatDraws) {
  for (const DType dtype : {DType::Float16, DType::BFloat16}) {
    Generator a(20), b(20);
    const Tensor half = randn({4099}, {.dtype = dtype}, &a);
    EXPECT_EQ(half.dtype(), dtype);
    EXPECT_EQ(bytes(half), bytes(randn({4099}, {}, &b).to(dtype))) << dtype;
    Generator c(21);
    for (float v : rand({kMillion / 10}, {.dtype = dtype}, &c).to_vector<float>())
      ASSERT_TRUE(v >= 0 && v < 1);
  }
  Generator d(22);
  const Moments m = moments(randn({kMillion}, {.dtype = DType::BFloat16}, &d).to_vector<double>());
  EXPECT_NEAR(m.mean, 0.0, 6e-3);
  EXPECT_NEAR(m.var, 1.0, 1.5e-2);  // bfloat16 rounding adds ~1e-5 of variance
}

TEST(Random, Float64Moments) {
  Generator gen(23);
  const std::vector<double> u = rand({kMillion}, {.dtype = DType::Float64}, &gen).to_vector<double>();
  for (double v : u) ASSERT_TRUE(v > 0.0 && v < 1.0);
  const Moments mu = moments(u);
  EXPECT_NEAR(mu.mean, 0.5, 2e-3);
  EXPECT_NEAR(mu.var, 1.0 / 12, 5e-4);
  const Moments mn = moments(randn({kMillion}, {.dtype = DType::Float64}, &gen).to_vector<double>());
  EXPECT_NEAR(mn.mean, 0.0, 6e-3);
  EXPECT_NEAR(mn.var, 1.0, 1e-2);
}

TEST(Random, InPlaceOnANonContiguousTensorFillsInRowMajorOrder) {
  const Tensor base = zeros({4, 6});
  const Tensor transposed = base.t();  // 6 x 4, not contiguous
  ASSERT_FALSE(transposed.is_contiguous());
  Generator a(24), b(24);
  uniform_(transposed, 0.0, 1.0, &a);
  EXPECT_EQ(transposed.to_vector<float>(), rand({6, 4}, {}, &b).to_vector<float>());
  EXPECT_EQ(a.offset(), b.offset());
  const Tensor column = zeros({5, 3}).select(1, 1);
  bernoulli_(column, 1.0, &a);
  EXPECT_EQ(column.to_vector<float>(), std::vector<float>(5, 1.0f));
}

TEST(Random, EmptyTensorsDrawNothing) {
  Generator gen(25);
  EXPECT_EQ(rand({0, 3}, {}, &gen).numel(), 0);
  EXPECT_EQ(randn({0}, {}, &gen).numel(), 0);
  EXPECT_EQ(gen.offset(), 0u);
}

TEST(Random, ManualSeedSeedsEveryDefaultGenerator) {
  default_generator(Device::cpu()).set_offset(99);
  manual_seed(26);
  EXPECT_EQ(default_generator(Device::cpu()).state(), (GeneratorState{26, 0}));
  EXPECT_EQ(default_generator(Device::cuda(0)).state(), (GeneratorState{26, 0}));
  Generator same(26);
  EXPECT_EQ(randn({33}).to_vector<float>(), randn({33}, {}, &same).to_vector<float>());
}

// ---- errors ----

using test::expect_error;

TEST(Random, BadArgumentsThrow) {
  Generator gen(27);
  expect_error<ValueError>([&] { bernoulli({3}, 1.5, {}, &gen); }, "probability in [0, 1], got 1.5");
  expect_error<ValueError>([&] { bernoulli({3}, -0.1, {}, &gen); }, "bernoulli");
  expect_error<ValueError>([&] { bernoulli({3}, std::nan(""), {}, &gen); }, "bernoulli");
  expect_error<ValueError>([&] { randint(5, 5, {3}, {}, &gen); }, "expected low < high, got low=5 high=5");
  expect_error<ValueError>([&] { randint(7, 2, {3}, {}, &gen); }, "low < high");
  expect_error<ValueError>([&] { randint(0, (int64_t{1} << 32) + 1, {3}, {}, &gen); }, "wider than 2^32");
  expect_error<ValueError>([&] { randint(0, 300, {3}, {.dtype = DType::UInt8}, &gen); },
                           "does not fit dtype uint8");
  expect_error<ValueError>([&] { randint(0, 5000, {3}, {.dtype = DType::Float16}, &gen); }, "float16");
  expect_error<ValueError>([&] { uniform_(empty({3}), 2.0, 1.0, &gen); }, "low <= high");
  expect_error<ValueError>([&] { uniform_(empty({3}, {.dtype = DType::Float16}), 0.0, 1e5, &gen); },
                           "float16");
  expect_error<ValueError>([&] { normal_(empty({3}), 0.0, -1.0, &gen); }, "stddev >= 0");
}

TEST(Random, WrongDTypesThrowDTypeError) {
  Generator gen(28);
  expect_error<DTypeError>([&] { randn({3}, {.dtype = DType::Int64}, &gen); },
                           "normal: expected a floating dtype");
  expect_error<DTypeError>([&] { rand({3}, {.dtype = DType::Int32}, &gen); }, "uniform");
  expect_error<DTypeError>([&] { randn({3}, {.dtype = DType::Bool}, &gen); }, "bool");
  expect_error<DTypeError>([&] { randint(0, 2, {3}, {.dtype = DType::Bool}, &gen); }, "randint");
}

TEST(Random, GeneratorOfAnotherDeviceThrows) {
  Generator cuda_gen(29, Device::cuda(0));
  EXPECT_THROW(rand({3}, {}, &cuda_gen), DeviceError);
}

// ---- CPU and CUDA agree bit for bit ----

class RandomGpu : public test::GpuTest {};

using Draw = Tensor (*)(const Shape&, DType, Device, Generator&);
Tensor draw_uniform(const Shape& s, DType d, Device dev, Generator& g) {
  return rand(s, {.dtype = d, .device = dev}, &g);
}
Tensor draw_normal(const Shape& s, DType d, Device dev, Generator& g) {
  return randn(s, {.dtype = d, .device = dev}, &g);
}
Tensor draw_bernoulli(const Shape& s, DType d, Device dev, Generator& g) {
  return bernoulli(s, 0.37, {.dtype = d, .device = dev}, &g);
}
Tensor draw_randint(const Shape& s, DType d, Device dev, Generator& g) {
  return randint(-100, 1000, s, {.dtype = d, .device = dev}, &g);
}

TEST_F(RandomGpu, CpuAndCudaAreBitIdentical) {
  const struct {
    const char* name;
    Draw draw;
  } ops[] = {{"uniform", draw_uniform},
             {"normal", draw_normal},
             {"bernoulli", draw_bernoulli},
             {"randint", draw_randint}};
  for (const auto& op : ops)
    for (const DType dtype : {DType::Float32, DType::Float64, DType::Float16})
      for (const int64_t n : {int64_t{1}, int64_t{3}, int64_t{4}, int64_t{1023}, (int64_t{1} << 20) + 3}) {
        Generator cpu_gen(30, Device::cpu()), gpu_gen(30, Device::cuda());
        cpu_gen.set_offset(5), gpu_gen.set_offset(5);
        const Tensor on_cpu = op.draw({n}, dtype, Device::cpu(), cpu_gen);
        const Tensor on_gpu = op.draw({n}, dtype, Device::cuda(), gpu_gen);
        ASSERT_EQ(bytes(on_cpu), bytes(on_gpu)) << op.name << " " << dtype << " n=" << n;
        EXPECT_EQ(cpu_gen.state(), gpu_gen.state());
      }
}

TEST_F(RandomGpu, GridStrideLoopAndIntegerDTypesMatch) {
  const int64_t n = (int64_t{1} << 24) + 5;  // more blocks than one grid covers
  Generator cpu_gen(31, Device::cpu()), gpu_gen(31, Device::cuda());
  EXPECT_EQ(bytes(randn({n}, {}, &cpu_gen)), bytes(randn({n}, {.device = Device::cuda()}, &gpu_gen)));
  for (const DType dtype : {DType::Bool, DType::UInt8, DType::Int32, DType::Int64, DType::BFloat16})
    EXPECT_EQ(bytes(bernoulli({1001}, 0.5, {.dtype = dtype}, &cpu_gen)),
              bytes(bernoulli({1001}, 0.5, {.dtype = dtype, .device = Device::cuda()}, &gpu_gen)))
        << dtype;
  EXPECT_EQ(bytes(randint(0, int64_t{1} << 32, {999}, {.dtype = DType::Int64}, &cpu_gen)),
            bytes(randint(0, int64_t{1} << 32, {999}, {.dtype = DType::Int64, .device = Device::cuda()},
                          &gpu_gen)));
}

TEST_F(RandomGpu, ManualSeedGivesTheSameValuesOnBothDevices) {
  manual_seed(32);
  const Tensor on_cpu = randn({4097});
  const Tensor on_gpu = randn({4097}, {.device = Device::cuda()});
  EXPECT_EQ(bytes(on_cpu), bytes(on_gpu));
  const Tensor strided = zeros({64, 32}, {.device = Device::cuda()}).t();
  normal_(strided, 1.0, 2.0);
  const Tensor reference = zeros({64, 32}).t();
  normal_(reference, 1.0, 2.0);
  EXPECT_EQ(bytes(strided), bytes(reference));
}

}  // namespace
}  // namespace minidl
