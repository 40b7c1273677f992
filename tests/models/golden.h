// Shared by the model tests: paths of the PyTorch golden fixtures (written by
// golden/make_model_fixtures.py), the model options each fixture was made with, and
// helpers comparing tensors and counting parameters.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "core/io/safetensors.h"
#include "models/registry.h"

namespace minidl::models::test {

/// The fixture cases of make_model_fixtures.py (files <case>_weights/_io.safetensors).
inline const std::vector<std::string> kGoldenCases = {"small_cnn", "resnet9_w025", "resnet18_w0125",
                                                      "mlp_w025"};

inline std::string golden_path(const std::string& file) {
  const char* root = std::getenv("MINIDL_SOURCE_DIR");  // set by ctest
  if (root == nullptr) throw IOError("MINIDL_SOURCE_DIR is not set (ctest sets it to the source tree)");
  return std::string(root) + "/tests/models/golden/" + file;
}

/// The model name and options a fixture records in its metadata.
struct GoldenCase {
  std::string model;
  ModelOptions options;
  std::string weights;  // path of the state dict
  Tensor input, logits;
};

inline GoldenCase golden_case(const std::string& name) {
  const io::Safetensors io = io::load_safetensors(golden_path(name + "_io.safetensors"));
  GoldenCase c{.model = io.metadata.at("model"),
               .options = {},
               .weights = golden_path(name + "_weights.safetensors"),
               .input = io.tensors.at("input"),
               .logits = io.tensors.at("logits")};
  c.options.num_classes = std::stoll(io.metadata.at("num_classes"));
  c.options.width = std::stod(io.metadata.at("width"));
  if (io.metadata.at("dropout") != "default") c.options.dropout = std::stod(io.metadata.at("dropout"));
  return c;
}

inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double worst = 0;
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
  return worst;
}

inline int64_t parameter_count(const nn::Module& model) {
  int64_t total = 0;
  for (const Tensor& p : model.parameters()) total += p.numel();
  return total;
}

}  // namespace minidl::models::test
