// fractional_max_pool2d(): output, argmax indices and input gradient equal PyTorch's for the
// same `_random_samples` (golden/make_fractional_pool_golden.py: float32/float64, rectangular
// kernels, output_ratio, a single window row, ties, unbatched input, overlapping windows);
// gradcheck in float64; samples drawn per seed; output-size errors naming the shapes.
#include "core/ops/fractional_pool.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/random.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

struct GoldenCase {
  std::string name, dtype;
  std::map<std::string, std::vector<double>> fields;
  const std::vector<double>& at(const std::string& key) const { return fields.at(key); }
};

std::vector<GoldenCase> read_golden() {
  const char* root = std::getenv("MINIDL_SOURCE_DIR");  // set by ctest
  const std::filesystem::path source =
      root ? std::filesystem::path(root) / "tests/core/ops" : std::filesystem::path(__FILE__).parent_path();
  const std::filesystem::path path = source / "golden/fractional_pool_golden.txt";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<GoldenCase> cases;
  std::string word;
  bool in_case = false;
  while (in >> word) {
    if (word == "#" || word == "windows") {  // comments, and the window records of the math test
      std::getline(in, word);
    } else if (word == "case") {
      cases.emplace_back();
      in >> cases.back().name >> cases.back().dtype;
      in_case = true;
    } else if (word == "end") {
      in_case = false;
    } else {
      std::size_t count = 0;
      in >> count;
      std::vector<double> values(count);
      for (double& v : values) in >> v;
      if (in_case) cases.back().fields[word] = values;
    }
  }
  return cases;
}

Shape to_shape(const std::vector<double>& v) { return Shape(v.begin(), v.end()); }
Size2 to_size(const std::vector<double>& v) {
  return {static_cast<int64_t>(v.at(0)), static_cast<int64_t>(v.at(1))};
}

TEST(FractionalMaxPool2d, MatchesPyTorchForTheSameSamples) {
  const std::vector<GoldenCase> cases = read_golden();
  ASSERT_EQ(cases.size(), 7u);
  for (const GoldenCase& c : cases) {
    SCOPED_TRACE(c.name);
    const DType dtype = c.dtype == "float64" ? DType::Float64 : DType::Float32;
    const Shape shape = to_shape(c.at("shape"));
    const Tensor x = from_vector(c.at("x"), shape).to(dtype);
    x.requires_grad_(true);
    const Tensor samples = from_vector(c.at("samples"), to_shape(c.at("samples_shape"))).to(dtype);
    Size2 size = to_size(c.at("output_size"));
    if (c.fields.count("ratio")) {
      const Size2 from_ratio = fractional_output_size(shape, Ratio2{c.at("ratio")[0], c.at("ratio")[1]});
      EXPECT_EQ(from_ratio, size);
      size = from_ratio;
    }
    const auto [out, indices] = fractional_max_pool2d_with_indices(x, to_size(c.at("kernel")), size, samples);
    Shape out_shape = shape;
    out_shape[out_shape.size() - 2] = size.h;
    out_shape.back() = size.w;
    EXPECT_EQ(out.shape(), out_shape);
    EXPECT_EQ(indices.shape(), out_shape);
    EXPECT_EQ(out.to_vector<double>(), c.at("out"));
    const std::vector<double>& want = c.at("indices");
    EXPECT_EQ(indices.to_vector<int64_t>(), std::vector<int64_t>(want.begin(), want.end()));
    out.backward(from_vector(c.at("upstream"), out_shape).to(dtype));
    // Both add a shared argmax's gradients in output order, so even float32 sums agree exactly.
    EXPECT_EQ(x.grad().to_vector<double>(), c.at("grad"));
  }
}

TEST(FractionalMaxPool2d, GradientMatchesFiniteDifferences) {
  const Tensor x = test::random_leaf({2, 2, 9, 8}, 3);
  const Tensor samples = rand({2, 2, 2}, {.dtype = DType::Float64});
  for (const auto& kernel_and_size : {std::pair<Size2, Size2>{2, {5, 4}}, {3, {6, 6}}, {{2, 3}, {1, 5}}}) {
    // Named copies, not a structured binding: clang 14 cannot capture those in a lambda.
    const Size2 kernel = kernel_and_size.first, size = kernel_and_size.second;
    EXPECT_TRUE(test::gradcheck(
        [&](const std::vector<Tensor>& in) { return fractional_max_pool2d(in[0], kernel, size, samples); },
        {x}));
  }
  const Tensor unbatched = test::random_leaf({3, 7, 7}, 4);
  const Tensor one = rand({1, 3, 2}, {.dtype = DType::Float64});
  EXPECT_TRUE(test::gradcheck(
      [&](const std::vector<Tensor>& in) { return fractional_max_pool2d(in[0], 3, 4, one); }, {unbatched}));
}

TEST(FractionalMaxPool2d, SamplesComeFromTheGenerator) {
  const Tensor x = rand({3, 4, 11, 11});
  Generator a(5), b(5);
  const Tensor samples = fractional_pool_samples(x, &a);
  EXPECT_EQ(samples.shape(), (Shape{3, 4, 2}));
  EXPECT_EQ(samples.dtype(), DType::Float32);
  EXPECT_EQ(samples.to_vector<float>(), rand({3, 4, 2}, {}, &b).to_vector<float>());  // uniform [0, 1)
  EXPECT_EQ(fractional_pool_samples(x.to(DType::Float64), &a).dtype(), DType::Float64);
  EXPECT_EQ(fractional_pool_samples(rand({4, 11, 11}), &a).shape(), (Shape{1, 4, 2}));

  Generator c(9), d(9), e(10);
  const std::vector<float> first = fractional_max_pool2d(x, 2, 7, &c).to_vector<float>();
  EXPECT_EQ(fractional_max_pool2d(x, 2, 7, &d).to_vector<float>(), first);
  EXPECT_NE(fractional_max_pool2d(x, 2, 7, &e).to_vector<float>(), first);
  EXPECT_NE(fractional_max_pool2d(x, 2, 7, &c).to_vector<float>(), first);  // fresh samples per call
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

TEST(FractionalMaxPool2d, OutputSizeErrorsNameTheShapes) {
  const Tensor x = rand({2, 3, 8, 8});
  const Tensor samples = rand({2, 3, 2});
  const std::string too_big = message_of<ShapeError>([&] { fractional_max_pool2d(x, 3, {7, 6}, samples); });
  EXPECT_NE(too_big.find("[2, 3, 8, 8]"), std::string::npos) << too_big;
  EXPECT_NE(too_big.find("(7, 6)"), std::string::npos) << too_big;
  const std::string rank = message_of<ShapeError>([&] {
    fractional_max_pool2d(rand({8, 8}), 2, 4, samples);
  });
  EXPECT_NE(rank.find("[8, 8]"), std::string::npos) << rank;
  const std::string empty_ratio = message_of<ShapeError>([] {
    fractional_output_size({1, 1, 3, 8}, {0.2, 0.5});
  });
  EXPECT_NE(empty_ratio.find("[1, 1, 3, 8]"), std::string::npos) << empty_ratio;
  EXPECT_EQ(fractional_output_size({1, 1, 3, 8}, {0.5, 0.5}), Size2(1, 4));  // int(1.5), int(4.0)
  EXPECT_THROW(fractional_output_size({1, 1, 8, 8}, 1.0), ValueError);
  EXPECT_THROW(fractional_output_size({1, 1, 8, 8}, {0.5, 0.0}), ValueError);
  EXPECT_THROW(fractional_max_pool2d(x, 2, 4, rand({2, 2, 2})), ShapeError);  // samples for another shape
}

}  // namespace
}  // namespace minidl
