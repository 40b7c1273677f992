// models::save_weights round-trips PyTorch state dicts: every twin's weights (a torchvision-style
// ResNet-18 among them, from golden/make_model_fixtures.py) loaded into minidl and saved again
// give the same keys, dtypes, shapes and bytes, so PyTorch's load_state_dict(strict=True) takes
// the file back and computes the logits the fixture holds (Registry.LogitsMatchPyTorch shows
// minidl computes them from these weights).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "golden.h"

namespace minidl::models {
namespace {

TEST(SaveWeights, RoundTripsEveryTwinsStateDictBitForBit) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("minidl_weights_" + std::to_string(::getpid()))).string();
  for (const auto& name : test::kGoldenCases) {
    SCOPED_TRACE(name);
    const auto golden = test::golden_case(name);
    const Pretrained loaded = load_pretrained(golden.model, golden.weights, golden.options);
    save_weights(*loaded.model, path);
    const io::Safetensors saved = io::load_safetensors(path);
    const io::TensorMap expected = io::load_safetensors(golden.weights).tensors;
    EXPECT_EQ(saved.metadata.at("format"), "pt");
    ASSERT_EQ(saved.tensors.size(), expected.size());
    for (const auto& [key, tensor] : expected) {
      ASSERT_TRUE(saved.tensors.count(key)) << key << " missing: strict loading would fail";
      const Tensor& got = saved.tensors.at(key);
      ASSERT_EQ(got.dtype(), tensor.dtype()) << key;
      ASSERT_EQ(got.shape(), tensor.shape()) << key;
      EXPECT_EQ(std::memcmp(got.data_ptr(), tensor.data_ptr(), tensor.nbytes()), 0) << key;
    }
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace minidl::models
