// Every bad input minidl's readers reject, in one table: safetensors files, training
// checkpoints, CIFAR files and metrics logs. Each row builds the bad bytes, runs the reader and
// checks the exception's type (IOError or ValueError, never a crash or a silent success) and
// the words of its message that name what is wrong. The README reports the row count.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "core/io/safetensors.h"
#include "data/cifar.h"
#include "optim/algorithms.h"
#include "train/checkpoint.h"
#include "train/checkpoint_fixtures.h"
#include "train/metrics.h"

namespace minidl::train {
namespace {
namespace fs = std::filesystem;

// A safetensors file from its JSON header text and data bytes.
std::string safetensors(const std::string& header, const std::string& data = "") {
  std::string bytes(8, '\0');
  const uint64_t length = header.size();
  std::memcpy(bytes.data(), &length, 8);
  return bytes + header + data;
}

// A tiny model, SGD with momentum after one step and a StepLR schedule: what the checkpoint
// rows load into, and what their valid starting file is saved from.
struct Run {
  test::Tiny model;
  optim::SGD sgd{model.parameters(), {.lr = 0.1, .momentum = 0.9}};
  optim::lr::StepLR schedule{sgd, 1, 0.5};
  Run() {
    model.weight.set_grad(ones({2, 3}));
    model.inner->bias.set_grad(ones({3}));
    sgd.step();
    schedule.step();
  }
  TrainingState state() {
    return {.model = model, .optimizer = state_handle(sgd), .scheduler = &schedule, .metadata = {{"model", "tiny"}}};
  }
};

// A valid checkpoint's contents, changed by `edit`, then loaded into a fresh Run.
void load_edited(const std::function<void(io::Safetensors&)>& edit) {
  Run saved;
  io::Safetensors contents = checkpoint_contents(saved.state());
  edit(contents);
  const std::string bytes = io::serialize_safetensors(contents.tensors, contents.metadata);
  Run fresh;
  TrainingState state = fresh.state();
  load_checkpoint(io::parse_safetensors(bytes, "run.ckpt"), "run.ckpt", state);
}

void load_safetensors_bytes(const std::string& bytes) { io::parse_safetensors(bytes, "w.safetensors"); }

std::string cifar_records(int count, int label = 3) {
  std::string bytes;
  for (int r = 0; r < count; ++r) {
    bytes.push_back(static_cast<char>(label));
    bytes.append(data::kCifarImageBytes, '\x7f');
  }
  return bytes;
}

// CIFAR-10 training files in a fresh folder: five of `records` each, then `edit` changes them.
void load_cifar_folder(int records, const std::function<void(const fs::path&)>& edit, bool subset = true) {
  const fs::path dir = fs::temp_directory_path() / ("minidl_bad_cifar_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (int b = 1; b <= 5; ++b)
    std::ofstream(dir / ("data_batch_" + std::to_string(b) + ".bin"), std::ios::binary) << cifar_records(records);
  edit(dir);
  try {
    data::load_cifar10(dir.string(), data::CifarSplit::Train, {.allow_subset = subset});
  } catch (...) {
    fs::remove_all(dir);
    throw;
  }
  fs::remove_all(dir);
}

enum class Kind { IO, Value };

struct BadInput {
  const char* name;
  Kind kind;
  std::vector<std::string> message_has;
  std::function<void()> read;
};

const std::vector<BadInput>& table() {
  static const std::vector<BadInput> rows = {
      // safetensors
      {"safetensors: shorter than the length field", Kind::IO, {"w.safetensors", "truncated: 5 bytes"},
       [] { load_safetensors_bytes("abcde"); }},
      {"safetensors: header length past the end", Kind::IO, {"header length 64 exceeds"},
       [] { load_safetensors_bytes(safetensors("{}").substr(0, 8).replace(0, 1, 1, '\x40') + "{}"); }},
      {"safetensors: implausible header length", Kind::IO, {"is implausible"},
       [] { load_safetensors_bytes(std::string(7, '\xff') + '\x7f'); }},
      {"safetensors: header is not JSON", Kind::IO, {"invalid JSON header"},
       [] { load_safetensors_bytes(safetensors("{\"a\":")); }},
      {"safetensors: header is not an object", Kind::IO, {"not a JSON object"},
       [] { load_safetensors_bytes(safetensors("[1, 2]")); }},
      {"safetensors: entry without data_offsets", Kind::IO, {"tensor 'w' needs dtype, shape and data_offsets"},
       [] { load_safetensors_bytes(safetensors(R"({"w":{"dtype":"F32","shape":[1]}})", "abcd")); }},
      {"safetensors: unsupported dtype", Kind::IO, {"unsupported dtype 'F8'"},
       [] { load_safetensors_bytes(safetensors(R"({"w":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}})", "a")); }},
      {"safetensors: dtype is not a string", Kind::IO, {"dtype is not a string"},
       [] { load_safetensors_bytes(safetensors(R"({"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})", "abcd")); }},
      {"safetensors: shape is not an array", Kind::IO, {"shape is not an array"},
       [] { load_safetensors_bytes(safetensors(R"({"w":{"dtype":"F32","shape":1,"data_offsets":[0,4]}})", "abcd")); }},
      {"safetensors: negative shape entry", Kind::IO, {"shape entries must be non-negative integers"},
       [] { load_safetensors_bytes(safetensors(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "abcd")); }},
      {"safetensors: shape too large", Kind::IO, {"shape is too large"},
       [] {
         load_safetensors_bytes(safetensors(
             R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", "abcd"));
       }},
      {"safetensors: offsets not two integers", Kind::IO, {"data_offsets must be two non-negative integers"},
       [] { load_safetensors_bytes(safetensors(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", "abcd")); }},
      {"safetensors: offsets past the data", Kind::IO, {"fall outside the 4 data bytes"},
       [] { load_safetensors_bytes(safetensors(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "abcd")); }},
      {"safetensors: size disagrees with the shape", Kind::IO, {"needs 8 bytes, data_offsets give 4"},
       [] { load_safetensors_bytes(safetensors(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "abcd")); }},
      {"safetensors: overlapping tensors", Kind::IO, {"(overlap)"},
       [] {
         load_safetensors_bytes(safetensors(
             R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}})",
             "abc"));
       }},
      {"safetensors: gap between tensors", Kind::IO, {"(gap)"},
       [] { load_safetensors_bytes(safetensors(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}})", "abc")); }},
      {"safetensors: trailing data", Kind::IO, {"cover 2 of 3 data bytes"},
       [] { load_safetensors_bytes(safetensors(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})", "abc")); }},
      {"safetensors: bool byte other than 0 or 1", Kind::IO, {"bool byte other than 0 or 1"},
       [] { load_safetensors_bytes(safetensors(R"({"b":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}})", "\x02")); }},
      {"safetensors: metadata is not an object", Kind::IO, {"__metadata__ is not an object"},
       [] { load_safetensors_bytes(safetensors(R"({"__metadata__":[1]})")); }},
      {"safetensors: metadata value is not a string", Kind::IO, {"__metadata__ value of 'k' is not a string"},
       [] { load_safetensors_bytes(safetensors(R"({"__metadata__":{"k":1}})")); }},
      {"safetensors: control bytes in a name are escaped", Kind::IO, {"tensor 'x\\x1b[31m' has unsupported dtype"},
       [] {
         load_safetensors_bytes(safetensors("{\"x\\u001b[31m\":{\"dtype\":\"Q\",\"shape\":[1],\"data_offsets\":[0,1]}}", "a"));
       }},
      // training checkpoints
      {"checkpoint: plain weights, not a checkpoint", Kind::IO, {"run.ckpt is not a minidl training checkpoint"},
       [] { load_edited([](io::Safetensors& c) { c.metadata.erase("minidl.format"); }); }},
      {"checkpoint: epoch is not an integer", Kind::IO, {"metadata minidl.epoch = 'three' is not an integer"},
       [] { load_edited([](io::Safetensors& c) { c.metadata["minidl.epoch"] = "three"; }); }},
      {"checkpoint: no step", Kind::IO, {"has no minidl.step"},
       [] { load_edited([](io::Safetensors& c) { c.metadata.erase("minidl.step"); }); }},
      {"checkpoint: generator state is not two integers", Kind::IO, {"is not '<seed> <offset>'"},
       [] { load_edited([](io::Safetensors& c) { c.metadata["minidl.generator.cpu"] = "12"; }); }},
      {"checkpoint: generator of no device", Kind::IO, {"names no device"},
       [] { load_edited([](io::Safetensors& c) { c.metadata["minidl.generator.tpu"] = "1 2"; }); }},
      {"checkpoint: written for another model", Kind::Value,
       {"written for model 'mlp', this run's model is 'tiny'"},
       [] { load_edited([](io::Safetensors& c) { c.metadata["model"] = "mlp"; }); }},
      {"checkpoint: a model tensor missing", Kind::Value, {"missing model.inner.bias"},
       [] { load_edited([](io::Safetensors& c) { c.tensors.erase("model.inner.bias"); }); }},
      {"checkpoint: a model tensor of another shape", Kind::Value, {"model.weight is [3, 2]"},
       [] { load_edited([](io::Safetensors& c) { c.tensors["model.weight"] = zeros({3, 2}); }); }},
      {"checkpoint: a model tensor of another dtype", Kind::Value, {"model.weight is [2, 3] float64"},
       [] { load_edited([](io::Safetensors& c) { c.tensors["model.weight"] = zeros({2, 3}, {.dtype = DType::Float64}); }); }},
      {"checkpoint: an unexpected model tensor", Kind::Value, {"unexpected model.head.weight"},
       [] { load_edited([](io::Safetensors& c) { c.tensors["model.head.weight"] = zeros({1}); }); }},
      {"checkpoint: a misspelled optimizer key", Kind::Value, {"unexpected state.0.0.stepp"},
       [] {
         load_edited([](io::Safetensors& c) {
           c.tensors["optimizer.state.0.0.stepp"] = c.tensors.at("optimizer.state.0.0.step");
           c.tensors.erase("optimizer.state.0.0.step");
         });
       }},
      {"checkpoint: a momentum buffer missing", Kind::Value, {"missing state.0.1.0"},
       [] { load_edited([](io::Safetensors& c) { c.tensors.erase("optimizer.state.0.1.0"); }); }},
      {"checkpoint: a momentum buffer of another shape", Kind::Value, {"state.0.0.0 is [6] but the parameter is [2, 3]"},
       [] { load_edited([](io::Safetensors& c) { c.tensors["optimizer.state.0.0.0"] = zeros({6}); }); }},
      {"checkpoint: a negative step count", Kind::Value, {"state.0.0.step is not a non-negative count"},
       [] {
         load_edited([](io::Safetensors& c) { c.tensors["optimizer.state.0.0.step"] = full({}, -2, {.dtype = DType::Int64}); });
       }},
      {"checkpoint: no optimizer learning rate", Kind::Value, {"missing param_groups.0.lr"},
       [] { load_edited([](io::Safetensors& c) { c.tensors.erase("optimizer.param_groups.0.lr"); }); }},
      {"checkpoint: no optimizer state at all", Kind::Value, {"no optimizer state"},
       [] {
         load_edited([](io::Safetensors& c) {
           std::erase_if(c.tensors, [](const auto& e) { return e.first.rfind("optimizer.", 0) == 0; });
         });
       }},
      {"checkpoint: a scheduler value missing", Kind::Value, {"missing scheduler.last_epoch"},
       [] { load_edited([](io::Safetensors& c) { c.tensors.erase("scheduler.last_epoch"); }); }},
      {"checkpoint: an unexpected scheduler key", Kind::Value, {"unexpected scheduler.last_epochs"},
       [] { load_edited([](io::Safetensors& c) { c.tensors["scheduler.last_epochs"] = full({}, 1.0); }); }},
      {"checkpoint: a key outside the parts", Kind::Value, {"unexpected weights.w"},
       [] { load_edited([](io::Safetensors& c) { c.tensors["weights.w"] = zeros({1}); }); }},
      // CIFAR
      {"cifar: a training file missing", Kind::IO, {"data_batch_4.bin (no such file)"},
       [] { load_cifar_folder(2, [](const fs::path& d) { fs::remove(d / "data_batch_4.bin"); }); }},
      {"cifar: an empty training file", Kind::IO, {"data_batch_1.bin is empty"},
       [] { load_cifar_folder(2, [](const fs::path& d) { std::ofstream(d / "data_batch_1.bin", std::ios::trunc); }); }},
      {"cifar: a partial record", Kind::IO, {"data_batch_2.bin holds 9218 bytes", "record 2 is truncated"},
       [] {
         load_cifar_folder(2, [](const fs::path& d) {
           std::ofstream(d / "data_batch_2.bin", std::ios::app | std::ios::binary) << "xx";
           fs::resize_file(d / "data_batch_2.bin", 9218);
         });
       }},
      {"cifar: fewer records than the release", Kind::IO, {"data_batch_1.bin holds 2 records; the official release has 10000"},
       [] { load_cifar_folder(2, [](const fs::path&) {}, /*subset=*/false); }},
      {"cifar: a label out of range", Kind::IO, {"data_batch_3.bin: record 1 has label 12"},
       [] {
         load_cifar_folder(2, [](const fs::path& d) {
           std::fstream f(d / "data_batch_3.bin", std::ios::in | std::ios::out | std::ios::binary);
           f.seekp(data::kCifarImageBytes + 1);
           f.put(static_cast<char>(12));
         });
       }},
      {"cifar: CIFAR-100 bytes that are not whole records", Kind::IO, {"CIFAR-100: mem holds 3075 bytes"},
       [] { data::parse_cifar_records(cifar_records(1) + "xx", "mem", data::cifar100_format(data::Cifar100Labels::Fine)); }},
      // metrics logs
      {"metrics: a line that is not JSON", Kind::IO, {"m.jsonl:2: not JSON"},
       [] { parse_metrics("{\"epoch\":1}\n{oops}\n", "m.jsonl"); }},
      {"metrics: a record without an epoch", Kind::IO, {"m.jsonl:1: a record needs an integer \"epoch\""},
       [] { parse_metrics("{\"loss\":1}\n", "m.jsonl"); }},
      {"metrics: a record that is not an object", Kind::IO, {"m.jsonl:1: a record must be a JSON object"},
       [] { parse_metrics("[1]\n", "m.jsonl"); }},
      {"metrics: a text where a number belongs", Kind::IO, {"\"train_loss\" must be a number"},
       [] { parse_metrics("{\"epoch\":1,\"train_loss\":\"low\"}\n", "m.jsonl"); }},
      {"metrics: an object as a value", Kind::IO, {"\"x\" must be a number, null or a string"},
       [] { parse_metrics("{\"epoch\":1,\"x\":{}}\n", "m.jsonl"); }},
  };
  return rows;
}

TEST(BadInputs, EveryRowIsRejectedWithAMessageNamingTheFault) {
  int checked = 0;
  for (const BadInput& row : table()) {
    SCOPED_TRACE(row.name);
    std::string message;
    bool right_kind = false;
    try {
      row.read();
      ADD_FAILURE() << "accepted";
      continue;
    } catch (const IOError& e) {
      message = e.what();
      right_kind = row.kind == Kind::IO;
    } catch (const ValueError& e) {
      message = e.what();
      right_kind = row.kind == Kind::Value;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a minidl IOError/ValueError: " << e.what();
      continue;
    }
    EXPECT_TRUE(right_kind) << message;
    for (const std::string& part : row.message_has) EXPECT_NE(message.find(part), std::string::npos) << message;
    for (const char c : message) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20) << "a raw control byte: " << message;
    ++checked;
  }
  std::cout << "bad inputs rejected: " << checked << " of " << table().size() << "\n";
  RecordProperty("bad_inputs", checked);
  EXPECT_GE(checked, 50);
}

}  // namespace
}  // namespace minidl::train
