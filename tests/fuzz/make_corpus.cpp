// Writes the seed corpus of the fuzz targets: valid files made by the library itself (so
// they follow its writers) and near-misses made by editing them, one flaw each. Run from
// the build: `tests/fuzz/make_fuzz_corpus ../tests/fuzz/corpus`; the output is committed.
// Fuzzer finds go to corpus/<name>/regressions/ by hand and are never rewritten here.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "core/io/safetensors.h"
#include "train/metrics.h"
#include "tests/fuzz/training_fixture.h"

namespace {

using namespace minidl;
namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

/// A safetensors file with a hand-written header (for flaws the writer cannot make).
std::string raw_safetensors(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

void safetensors_seeds(const fs::path& dir) {
  const std::string valid = io::serialize_safetensors(
      {{"weight", arange(6.0).to(DType::Float32).view({2, 3})}, {"step", full({}, 3, {.dtype = DType::Int64})}},
      {{"format", "pt"}});
  write(dir / "valid_f32_int64_metadata", valid);
  io::TensorMap every_dtype;
  for (DType dtype : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16, DType::Int32, DType::Int64,
                      DType::UInt8, DType::Bool})
    every_dtype.emplace(io::safetensors_dtype_name(dtype), ones({2}, {.dtype = dtype}));
  write(dir / "valid_every_dtype", io::serialize_safetensors(every_dtype));
  write(dir / "valid_empty_and_zero_size", io::serialize_safetensors({{"empty", zeros({0, 4})}}));
  write(dir / "valid_no_tensors", io::serialize_safetensors({}));

  write(dir / "bad_truncated_data", valid.substr(0, valid.size() - 3));
  write(dir / "bad_truncated_length", valid.substr(0, 5));
  write(dir / "bad_header_length_huge", std::string(8, '\xff') + "{}");
  write(dir / "bad_json", raw_safetensors("{\"a\": {\"dtype\": \"F32\",", ""));
  write(dir / "bad_dtype", raw_safetensors(R"({"a":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}})", "x"));
  write(dir / "bad_shape_negative",
        raw_safetensors(R"({"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})", "x"));
  write(dir / "bad_shape_overflow",
        raw_safetensors(R"({"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})",
                        std::string(8, '\0')));
  write(dir / "bad_offsets_size",
        raw_safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", std::string(8, '\0')));
  write(dir / "bad_offsets_reversed",
        raw_safetensors(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[2,0]}})", "xx"));
  write(dir / "bad_offsets_overlap",
        raw_safetensors(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                        R"("b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}})",
                        "xyz"));
  write(dir / "bad_offsets_past_end",
        raw_safetensors(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,99]}})", "xx"));
  write(dir / "bad_metadata_not_string",
        raw_safetensors(R"({"__metadata__":{"k":1},"a":{"dtype":"U8","shape":[],"data_offsets":[0,1]}})", "x"));
  write(dir / "bad_entry_not_object", raw_safetensors(R"({"a":[1,2]})", ""));
}

void checkpoint_seeds(const fs::path& dir) {
  fuzz::TrainingFixture fixture;
  const io::Safetensors contents = train::checkpoint_contents(fixture.state());
  const auto save = [&dir](const std::string& name, const io::Safetensors& file) {
    write(dir / name, io::serialize_safetensors(file.tensors, file.metadata));
  };
  save("valid", contents);

  // One flaw each: what a checkpoint of another model, a hand-edited or an old file would show.
  auto edited = [&contents](auto edit) {
    io::Safetensors file = contents;
    edit(file);
    return file;
  };
  const auto first_key = [](const io::Safetensors& file, const std::string& prefix) {
    return file.tensors.lower_bound(prefix)->first;
  };
  save("bad_missing_model_key", edited([&](io::Safetensors& f) { f.tensors.erase(first_key(f, "model.")); }));
  save("bad_misspelled_optimizer_key", edited([&](io::Safetensors& f) {
         auto node = f.tensors.extract(first_key(f, "optimizer."));
         node.key() += "x";
         f.tensors.insert(std::move(node));
       }));
  save("bad_model_shape", edited([&](io::Safetensors& f) { f.tensors[first_key(f, "model.")] = zeros({7}); }));
  save("bad_model_dtype", edited([&](io::Safetensors& f) {
         auto& tensor = f.tensors[first_key(f, "model.")];
         tensor = tensor.to(DType::Float64);
       }));
  save("bad_unexpected_key", edited([](io::Safetensors& f) { f.tensors["model.9.weight"] = zeros({1}); }));
  save("bad_scheduler_not_scalar",
       edited([&](io::Safetensors& f) { f.tensors[first_key(f, "scheduler.")] = zeros({2}); }));
  save("bad_step_not_integer", edited([](io::Safetensors& f) { f.metadata["minidl.step"] = "1.5"; }));
  save("bad_epoch_missing", edited([](io::Safetensors& f) { f.metadata.erase("minidl.epoch"); }));
  save("bad_format", edited([](io::Safetensors& f) { f.metadata["minidl.format"] = "training-checkpoint-0"; }));
  save("bad_other_model", edited([](io::Safetensors& f) { f.metadata["model"] = "mlp"; }));
  save("bad_no_extra", edited([](io::Safetensors& f) { f.metadata.erase("minidl.extra.ema"); }));
  save("bad_generator", edited([](io::Safetensors& f) {
         for (auto& [key, value] : f.metadata)
           if (key.rfind("minidl.generator.", 0) == 0) value = "12";
       }));
}

void cifar_seeds(const fs::path& dir) {
  // The first byte picks the format: 0 CIFAR-10, 1 CIFAR-100 fine labels, 2 coarse labels.
  const auto record = [](std::string labels) {
    std::string pixels(3072, '\0');
    for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<char>(i * 7);
    return labels + pixels;
  };
  write(dir / "valid_cifar10_two", std::string(1, '\0') + record("\x03") + record("\x09"));
  write(dir / "valid_cifar100_fine", std::string(1, '\1') + record(std::string("\x02\x63", 2)));
  write(dir / "valid_cifar100_coarse", std::string(1, '\2') + record(std::string("\x13\x00", 2)));
  write(dir / "bad_empty", std::string(1, '\0'));
  write(dir / "bad_partial_record", std::string(1, '\0') + record("\x01").substr(0, 1000));
  write(dir / "bad_cifar10_label", std::string(1, '\0') + record("\x0a"));
  write(dir / "bad_cifar100_label", std::string(1, '\1') + record(std::string("\x02\x64", 2)));
  write(dir / "bad_cifar100_as_cifar10", std::string(1, '\0') + record(std::string("\x02\x03", 2)));
}

void metrics_seeds(const fs::path& dir) {
  train::EpochRecord first, second;  // field by field: gcc's -Wextra wants every member of an aggregate
  first.train_loss = 2.25, first.train_acc = 0.125, first.lr = 0.1;
  second.epoch = 1, second.train_loss = 1.5, second.test_loss = 1.75, second.test_acc = 0.5, second.seconds = 3.5;
  second.extra["grad_norm"] = 0.75;
  second.text["note"] = "resumed \"here\"\n\t\x01";
  const std::string lines = train::to_json_line(first) + "\n" + train::to_json_line(second) + "\n";
  write(dir / "valid_two_records", lines);
  write(dir / "valid_torn_last_line", lines + train::to_json_line(first).substr(0, 20));
  write(dir / "valid_blank_lines", "\n  \n" + lines + "\r\n");
  write(dir / "valid_empty", "");
  write(dir / "bad_not_json", "epoch 1 loss 2\n");
  write(dir / "bad_epoch_string", "{\"epoch\": \"one\", \"train_loss\": 1}\n");
  write(dir / "bad_no_epoch", "{\"train_loss\": 1}\n");
  write(dir / "bad_array", "[1, 2, 3]\n");
  write(dir / "bad_huge_epoch", "{\"epoch\": 1e300}\n");
  write(dir / "bad_nested", "{\"epoch\": 1, \"note\": {\"a\": [1]}}\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " CORPUS_DIR (tests/fuzz/corpus)\n";
    return 2;
  }
  const fs::path root = argv[1];
  safetensors_seeds(root / "safetensors");
  checkpoint_seeds(root / "checkpoint");
  cifar_seeds(root / "cifar");
  metrics_seeds(root / "metrics");
  std::cout << "seeds written under " << root << "\n";
  return 0;
}
