// safetensors: round trips of every dtype, a file from the reference
// implementation, a hand-assembled byte string, and corrupt or truncated input.
#include "core/io/safetensors.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/io/atomic_file.h"

namespace minidl::io {
namespace {

std::string with_header(const std::string& json, const std::string& data) {
  std::string bytes(8, '\0');
  const uint64_t n = json.size();
  std::memcpy(bytes.data(), &n, 8);
  return bytes + json + data;
}

std::string floats(std::initializer_list<float> values) {
  std::string out(values.size() * 4, '\0');
  std::memcpy(out.data(), std::data(values), out.size());
  return out;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("minidl_" + name + "_" + std::to_string(::getpid()))).string();
}

TEST(Safetensors, RoundTripEveryDTypeAndLayout) {
  TensorMap tensors;
  for (DType dtype : kAllDTypes)
    tensors[std::string(dtype_name(dtype))] = arange(6.0).view({2, 3}).to(dtype);
  tensors["transposed"] = arange(6.0).view({2, 3}).t();
  tensors["scalar"] = full({}, 7.0);
  tensors["empty"] = zeros({0, 4});
  const Safetensors back = parse_safetensors(serialize_safetensors(tensors, {{"epoch", "3"}}));
  EXPECT_EQ(back.metadata.at("epoch"), "3");
  ASSERT_EQ(back.tensors.size(), tensors.size());
  for (const auto& [name, tensor] : tensors) {
    const Tensor& loaded = back.tensors.at(name);
    EXPECT_EQ(loaded.dtype(), tensor.dtype()) << name;
    EXPECT_EQ(loaded.shape(), tensor.shape()) << name;
    EXPECT_EQ(loaded.to_vector<double>(), tensor.to_vector<double>()) << name;
  }
}

TEST(Safetensors, ReadsAHandAssembledFile) {
  const std::string json =
      R"({"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}})";
  const Safetensors file = parse_safetensors(with_header(json, floats({1, 2, 3.5f, -4})));
  EXPECT_EQ(file.tensors.at("a").shape(), (Shape{1, 2}));
  EXPECT_EQ(file.tensors.at("a").to_vector<float>(), (std::vector<float>{1, 2}));
  EXPECT_EQ(file.tensors.at("b").to_vector<float>(), (std::vector<float>{3.5f, -4}));
}

TEST(Safetensors, ReadsTheReferenceImplementationsFile) {
  const char* root = std::getenv("MINIDL_SOURCE_DIR");
  ASSERT_NE(root, nullptr) << "MINIDL_SOURCE_DIR is set by ctest";
  const Safetensors file = load_safetensors(std::string(root) + "/tests/core/io/golden/reference.safetensors");
  EXPECT_EQ(file.metadata.at("producer"), "safetensors-reference");
  const auto weight = file.tensors.at("weight").to_vector<float>();
  ASSERT_EQ(file.tensors.at("weight").shape(), (Shape{3, 4}));
  for (int i = 0; i < 12; ++i) EXPECT_EQ(weight[i], (static_cast<float>(i) - 5.5f) / 4);
  EXPECT_EQ(file.tensors.at("bias").to_vector<double>(), (std::vector<double>{1.5, -2.25}));
  EXPECT_EQ(file.tensors.at("half").to_vector<float>(), (std::vector<float>{0.5f, -1.f, 65504.f}));
  EXPECT_EQ(file.tensors.at("counts").to_vector<int64_t>()[4], 4 * 1000003);
  EXPECT_EQ(file.tensors.at("labels").dtype(), DType::Int32);
  EXPECT_EQ(file.tensors.at("mask").to_vector<bool>(), (std::vector<bool>{true, false, true, true}));
  EXPECT_EQ(file.tensors.at("pixels").to_vector<int64_t>(), (std::vector<int64_t>{0, 255, 7, 128}));
  EXPECT_EQ(file.tensors.at("empty").shape(), (Shape{0, 3}));
  EXPECT_EQ(file.tensors.at("scalar").dim(), 0);
  EXPECT_EQ(file.tensors.at("scalar").item(), 3.25);
}

void expect_rejected(const std::string& bytes, const std::string& needle) {
  try {
    parse_safetensors(bytes, "bad.safetensors");
    FAIL() << "expected IOError containing '" << needle << "'";
  } catch (const IOError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("bad.safetensors"), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
  }
}

TEST(Safetensors, RejectsCorruptFiles) {
  const std::string ok_json = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string ok = with_header(ok_json, floats({1, 2}));
  expect_rejected("abc", "no header length");
  expect_rejected(ok.substr(0, 20), "exceeds");
  expect_rejected(ok.substr(0, ok.size() - 3), "truncated");
  expect_rejected(ok + "xyz", "cover");
  expect_rejected(with_header("{not json", ""), "invalid JSON");
  expect_rejected(with_header("[1,2]", ""), "not a JSON object");
  expect_rejected(with_header(R"({"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", floats({1, 2})), "Q7");
  expect_rejected(with_header(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", floats({1, 2})),
                  "needs 12 bytes");
  expect_rejected(with_header(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,80]}})", floats({1, 2})),
                  "outside");
  expect_rejected(with_header(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", floats({1, 2})),
                  "non-negative");
  expect_rejected(with_header(R"({"w":{"dtype":"F32","shape":[2]}})", floats({1, 2})), "data_offsets");
  expect_rejected(with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                              R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                              floats({1, 2})),
                  "overlap");
  expect_rejected(with_header(R"({"__metadata__":{"k":5}})", ""), "not a string");
  std::string huge = ok;
  const uint64_t big = uint64_t{1} << 40;
  std::memcpy(huge.data(), &big, 8);
  expect_rejected(huge, "implausible");
}

TEST(Safetensors, SaveAndLoadAFile) {
  const std::string path = temp_path("save.safetensors");
  save_safetensors(path, {{"x", arange(3.0)}});
  EXPECT_EQ(load_safetensors(path).tensors.at("x").to_vector<float>(), (std::vector<float>{0, 1, 2}));
  std::filesystem::remove(path);
  try {
    load_safetensors(path);
    FAIL();
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(AtomicWrite, AFailedSaveKeepsThePreviousFile) {
  const std::string path = temp_path("atomic.bin");
  atomic_write(path, [](std::ostream& out) { out << "version one"; });
  EXPECT_THROW(atomic_write(path,
                            [](std::ostream& out) {
                              out << "half of version two";
                              throw IOError("simulated crash in the middle of a save");
                            }),
               IOError);
  EXPECT_EQ(read_file(path), "version one");
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path()))
    EXPECT_EQ(entry.path().string().find(path + ".tmp"), std::string::npos) << "temporary left behind";
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace minidl::io
