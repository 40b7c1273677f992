// Training checkpoints on top of io::safetensors. Integers (epoch, step, generator
// seed/offset) go into the metadata as decimal text and scheduler numbers into
// float64 scalars, so every value comes back bit for bit. Loading checks all it can
// before it changes anything, so a wrong file leaves the live objects as they were.
#include "train/checkpoint.h"

#include <algorithm>
#include <charconv>
#include <sstream>
#include <vector>

#include "core/device.h"
#include "core/error.h"
#include "core/generator.h"
#include "core/io/escape.h"
#include "core/text.h"

namespace minidl::train {
namespace {
constexpr const char* kFormatKey = "minidl.format";
constexpr const char* kFormat = "training-checkpoint-1";
constexpr const char* kReserved = "minidl.";

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

std::string generator_key(const Device& device) {
  return std::string(kReserved) + "generator." + device.str();
}

template <typename T> T parse_int(const std::string& text, const std::string& path, const std::string& key) {
  T value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  MINIDL_CHECK(error == std::errc() && end == text.data() + text.size(), IOError, "checkpoint ", path,
               ": metadata ", io::escaped(key), " = '", io::escaped(text), "' is not an integer");
  return value;
}

const std::string& metadata_at(const io::Metadata& metadata, const std::string& key,
                               const std::string& path) {
  const auto found = metadata.find(key);
  MINIDL_CHECK(found != metadata.end(), IOError, "checkpoint ", path, " has no ", key, " in its metadata");
  return found->second;
}

Device parse_device(const std::string& text, const std::string& path, const std::string& key) {
  try {
    return Device::parse(text);
  } catch (const ValueError&) {
    throw IOError("checkpoint " + path + ": metadata key " + io::escaped(key) + " names no device");
  }
}

GeneratorState parse_generator(const std::string& text, const std::string& path, const std::string& key) {
  const auto space = text.find(' ');
  MINIDL_CHECK(space != std::string::npos, IOError, "checkpoint ", path, ": metadata ", io::escaped(key), " = '",
               io::escaped(text), "' is not '<seed> <offset>'");
  return {parse_int<uint64_t>(text.substr(0, space), path, key),
          parse_int<uint64_t>(text.substr(space + 1), path, key)};
}

/// The tensors under `prefix`, with the prefix removed.
io::TensorMap with_prefix_removed(const io::TensorMap& tensors, const std::string& prefix) {
  io::TensorMap out;
  for (auto it = tensors.lower_bound(prefix); it != tensors.end() && starts_with(it->first, prefix); ++it)
    out.emplace(it->first.substr(prefix.size()), it->second);
  return out;
}

/// Missing, unexpected and mismatched model entries, named by their keys in the file.
std::vector<std::string> model_problems(const nn::StateDict& expected, const io::TensorMap& saved) {
  std::vector<std::string> problems;
  for (const auto& [name, tensor] : expected) {
    const auto found = saved.find(name);
    if (found == saved.end()) {
      problems.push_back("missing model." + name);
    } else if (found->second.shape() != tensor.shape() || found->second.dtype() != tensor.dtype()) {
      problems.push_back("model." + io::escaped(name) + " is " + shape_str(found->second.shape()) + " " +
                         std::string(dtype_name(found->second.dtype())) + " in the file but " +
                         shape_str(tensor.shape()) + " " + std::string(dtype_name(tensor.dtype())) +
                         " in the model");
    }
  }
  for (const auto& [name, tensor] : saved)
    if (!expected.count(name)) problems.push_back("unexpected model." + io::escaped(name));
  return problems;
}
}  // namespace

io::Safetensors checkpoint_contents(const TrainingState& state) {
  io::Safetensors out;
  for (const auto& [name, tensor] : state.model.state_dict())
    if (tensor.defined()) out.tensors.emplace("model." + name, tensor);
  if (state.optimizer)
    for (const auto& [key, tensor] : state.optimizer.save()) out.tensors.emplace("optimizer." + key, tensor);
  if (state.scheduler)
    for (const auto& [key, value] : state.scheduler->state_dict())
      out.tensors.emplace("scheduler." + key, full({}, value, {.dtype = DType::Float64}));
  for (const auto& [name, handle] : state.extra) {
    MINIDL_CHECK(static_cast<bool>(handle), ValueError, "save_checkpoint: extra state '", name,
                 "' has no functions");
    for (const auto& [key, tensor] : handle.save()) out.tensors.emplace("extra." + name + "." + key, tensor);
    out.metadata[std::string(kReserved) + "extra." + name] = "1";
  }
  for (const auto& [key, value] : state.metadata) {
    MINIDL_CHECK(!starts_with(key, kReserved), ValueError, "save_checkpoint: metadata key '", key,
                 "' uses the reserved prefix ", kReserved);
    out.metadata[key] = value;
  }
  out.metadata[kFormatKey] = kFormat;
  out.metadata[std::string(kReserved) + "epoch"] = std::to_string(state.epoch);
  out.metadata[std::string(kReserved) + "step"] = std::to_string(state.step);
  if (state.generators) {
    std::vector<Device> devices{Device::cpu()};
    for (int i = 0; i < cuda_device_count(); ++i) devices.push_back(Device::cuda(i));
    for (const Device& device : devices) {
      const GeneratorState g = default_generator(device).state();
      out.metadata[generator_key(device)] = std::to_string(g.seed) + " " + std::to_string(g.offset);
    }
  }
  return out;
}

void save_checkpoint(const std::string& path, const TrainingState& state) {
  const io::Safetensors contents = checkpoint_contents(state);
  io::save_safetensors(path, contents.tensors, contents.metadata);
}

void load_checkpoint(const std::string& path, TrainingState& state) {
  load_checkpoint(io::load_safetensors(path), path, state);
}

void load_checkpoint(const io::Safetensors& file, const std::string& path, TrainingState& state) {
  MINIDL_CHECK(file.metadata.count(kFormatKey) && file.metadata.at(kFormatKey) == kFormat, IOError, path,
               " is not a minidl training checkpoint (", kFormatKey, " should be '", kFormat, "')");
  const auto epoch =
      parse_int<int64_t>(metadata_at(file.metadata, "minidl.epoch", path), path, "minidl.epoch");
  const auto step = parse_int<int64_t>(metadata_at(file.metadata, "minidl.step", path), path, "minidl.step");

  // Check everything first.
  std::vector<std::string> problems;
  const auto file_model = file.metadata.find("model");
  const auto run_model = state.metadata.find("model");
  if (file_model != file.metadata.end() && run_model != state.metadata.end() &&
      file_model->second != run_model->second)
    problems.push_back("it was written for model '" + io::escaped(file_model->second) + "', this run's model is '" +
                       run_model->second + "'");
  const io::TensorMap model = with_prefix_removed(file.tensors, "model.");
  for (std::string& problem : model_problems(state.model.state_dict(), model)) problems.push_back(std::move(problem));
  const io::TensorMap optimizer = with_prefix_removed(file.tensors, "optimizer.");
  if (state.optimizer && optimizer.empty()) problems.push_back("no optimizer state (optimizer.*)");
  std::map<std::string, double> scheduler;
  const std::map<std::string, double> scheduler_keys =
      state.scheduler ? state.scheduler->state_dict() : std::map<std::string, double>{};
  if (state.scheduler) {
    for (const auto& [key, unused] : scheduler_keys) {
      const auto found = file.tensors.find("scheduler." + key);
      if (found == file.tensors.end() || found->second.numel() != 1)
        problems.push_back("missing scheduler." + key);
      else
        scheduler[key] = found->second.item();
    }
  }
  for (const auto& [name, handle] : state.extra)
    if (!file.metadata.count(std::string(kReserved) + "extra." + name))
      problems.push_back("no extra state '" + name + "'");
  for (const auto& [key, unused] : file.tensors) {
    // Parts this state does not ask for (no optimizer, no scheduler, other extras) are left
    // unread on purpose; the optimizer checks its own keys; a scheduler key must be known.
    const bool expected =
        starts_with(key, "model.") || starts_with(key, "optimizer.") || starts_with(key, "extra.") ||
        (starts_with(key, "scheduler.") &&
         (!state.scheduler || scheduler_keys.count(key.substr(std::string("scheduler.").size()))));
    if (!expected) problems.push_back("unexpected " + io::escaped(key));
  }
  std::vector<std::pair<Device, GeneratorState>> generators;
  if (state.generators) {
    for (const auto& [key, value] : file.metadata) {
      const std::string prefix = std::string(kReserved) + "generator.";
      if (starts_with(key, prefix))
        generators.emplace_back(parse_device(key.substr(prefix.size()), path, key),
                                parse_generator(value, path, key));
    }
    if (!file.metadata.count(generator_key(Device::cpu()))) problems.push_back("no CPU generator state");
  }
  MINIDL_CHECK(problems.empty(), ValueError, "checkpoint ", path, " does not fit this training state: ",
               detail::join(problems));

  // Then restore; the optimizer goes first since only it validates its own entries.
  try {
    if (state.optimizer) state.optimizer.load(optimizer);
    state.model.load_state_dict(model, /*strict=*/true);
    if (state.scheduler) state.scheduler->load_state_dict(scheduler);
    for (auto& [name, handle] : state.extra)
      handle.load(with_prefix_removed(file.tensors, "extra." + name + "."));
  } catch (const Error& error) {
    throw ValueError("checkpoint " + path + ": " + error.what());
  }
  for (const auto& [device, generator] : generators) default_generator(device).set_state(generator);
  state.epoch = epoch;
  state.step = step;
  state.metadata.clear();
  for (const auto& [key, value] : file.metadata)
    if (!starts_with(key, kReserved)) state.metadata[key] = value;
}

io::Metadata checkpoint_metadata(const std::string& path) {
  io::Metadata metadata = io::load_safetensors(path).metadata;
  MINIDL_CHECK(metadata.count(kFormatKey), IOError, path, " is not a minidl training checkpoint");
  std::erase_if(metadata, [](const auto& entry) { return starts_with(entry.first, kReserved); });
  return metadata;
}

}  // namespace minidl::train
