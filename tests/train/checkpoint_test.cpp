// Training checkpoints: a round trip of a small module (parameter, buffer, child),
// SGD with momentum after two hand-set steps, a StepLR schedule, generator states,
// epoch/step and metadata; the file's layout; truncated, foreign and mismatched
// files rejected with messages naming the file or key, before anything changes.
#include "train/checkpoint.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/generator.h"
#include "core/io/atomic_file.h"
#include "core/random.h"
#include "optim/algorithms.h"
#include "train/checkpoint_fixtures.h"

namespace minidl::train {
namespace {

using test::temp_dir;
using test::Tiny;

struct Trained {
  Tiny model;
  optim::SGD sgd;
  optim::lr::StepLR schedule;
  Trained()
      : sgd(model.parameters(), {.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-2}), schedule(sgd, 1, 0.5) {}
  TrainingState state() { return {.model = model, .optimizer = state_handle(sgd), .scheduler = &schedule}; }
  /// One SGD step on fixed gradients (different each call), then a schedule step.
  void step(int k) {
    model.weight.set_grad(from_vector<float>({0.5f * k, -1.f, 2.f, 0.25f, -0.75f * k, 1.5f}, {2, 3}));
    model.inner->bias.set_grad(from_vector<float>({1.f, -2.f * k, 0.125f}));
    sgd.step();
    schedule.step();
  }
};

TEST(Checkpoint, RoundTripsModelOptimizerSchedulerGeneratorsAndCounters) {
  const auto dir = temp_dir("roundtrip");
  const std::string path = (dir / "ckpt.safetensors").string();
  manual_seed(1234);
  Trained a;
  a.model.randomize();
  a.step(1);
  a.step(2);
  randn({10});  // the generator moves past its start
  TrainingState saved = a.state();
  saved.epoch = 3;
  saved.step = 2;
  saved.metadata = {{"model", "tiny"}, {"lr", "0.1"}};
  save_checkpoint(path, saved);
  const GeneratorState generator = default_generator().state();
  ASSERT_GT(generator.offset, 0u);
  const optim::OptimizerState momentum = a.sgd.state_dict();
  ASSERT_TRUE(momentum.count("state.0.0.0") && momentum.count("state.0.1.0")) << "momentum buffers exist";

  manual_seed(99);  // fresh objects, another generator state
  Trained b;
  TrainingState loaded = b.state();
  load_checkpoint(path, loaded);
  EXPECT_EQ(b.model.weight.to_vector<float>(), a.model.weight.to_vector<float>());
  EXPECT_EQ(b.model.inner->bias.to_vector<float>(), a.model.inner->bias.to_vector<float>());
  EXPECT_EQ(b.model.count.to_vector<int64_t>(), (std::vector<int64_t>{7, 8}));
  EXPECT_EQ(loaded.epoch, 3);
  EXPECT_EQ(loaded.step, 2);
  EXPECT_EQ(loaded.metadata, saved.metadata);
  EXPECT_EQ(default_generator().state(), generator);
  const optim::OptimizerState restored = b.sgd.state_dict();
  ASSERT_EQ(restored.size(), momentum.size());
  for (const auto& [key, tensor] : momentum) {
    ASSERT_TRUE(restored.count(key)) << key;
    EXPECT_EQ(restored.at(key).to_vector<double>(), tensor.to_vector<double>()) << key;
  }
  EXPECT_EQ(b.schedule.last_epoch(), 2);
  EXPECT_EQ(b.schedule.get_last_lr(), a.schedule.get_last_lr());
  EXPECT_EQ(b.sgd.lr(0), 0.1 * 0.25);
  // The next step (using the restored momentum and lr) is the same on both.
  a.step(3);
  b.step(3);
  EXPECT_EQ(b.model.weight.to_vector<float>(), a.model.weight.to_vector<float>());
  EXPECT_EQ(b.model.inner->bias.to_vector<float>(), a.model.inner->bias.to_vector<float>());
  std::filesystem::remove_all(dir);
}

TEST(Checkpoint, IsOneSafetensorsFileWithNamedParts) {
  const auto dir = temp_dir("layout");
  const std::string path = (dir / "ckpt.safetensors").string();
  Trained a;
  a.step(1);
  TrainingState state = a.state();
  state.epoch = 5;
  state.metadata = {{"config", "{\"lr\": 0.1}"}};
  save_checkpoint(path, state);
  const io::Safetensors file = io::load_safetensors(path);
  for (const char* key :
       {"model.weight", "model.count", "model.inner.bias", "optimizer.param_groups.0.lr",
        "optimizer.state.0.0.0", "optimizer.state.0.0.step", "scheduler.last_epoch", "scheduler.base_lr.0"})
    EXPECT_TRUE(file.tensors.count(key)) << key;
  EXPECT_EQ(file.tensors.at("scheduler.last_epoch").dtype(), DType::Float64);
  EXPECT_EQ(file.tensors.at("scheduler.last_epoch").item(), 1.0);
  EXPECT_EQ(file.metadata.at("minidl.epoch"), "5");
  const GeneratorState g = default_generator().state();
  EXPECT_EQ(file.metadata.at("minidl.generator.cpu"),
            std::to_string(g.seed) + " " + std::to_string(g.offset));
  EXPECT_EQ(checkpoint_metadata(path), state.metadata) << "only the run's own metadata";
  std::filesystem::remove_all(dir);
}

TEST(Checkpoint, RestoresCudaGeneratorStatesItFinds) {
  // Written by hand so the restore path runs without a GPU too.
  const auto dir = temp_dir("cuda_generator");
  const std::string path = (dir / "ckpt.safetensors").string();
  Tiny model;
  TrainingState state{.model = model};
  io::Safetensors contents = checkpoint_contents(state);
  contents.metadata["minidl.generator.cuda:0"] = "42 1000001";
  io::save_safetensors(path, contents.tensors, contents.metadata);
  load_checkpoint(path, state);
  EXPECT_EQ(default_generator(Device::cuda(0)).state(), (GeneratorState{42, 1000001}));
  contents.metadata["minidl.generator.cuda:0"] = "42 x";
  io::save_safetensors(path, contents.tensors, contents.metadata);
  EXPECT_THROW(load_checkpoint(path, state), IOError);
  contents.metadata.erase("minidl.generator.cuda:0");
  contents.metadata["minidl.generator.tpu"] = "1 2";
  io::save_safetensors(path, contents.tensors, contents.metadata);
  EXPECT_THROW(load_checkpoint(path, state), IOError);
  std::filesystem::remove_all(dir);
}

void expect_error_naming(const std::function<void()>& fn, const std::string& needle, bool io_error) {
  try {
    fn();
    FAIL() << "no error; expected one naming " << needle;
  } catch (const IOError& error) {
    EXPECT_TRUE(io_error) << error.what();
    EXPECT_NE(std::string(error.what()).find(needle), std::string::npos) << error.what();
  } catch (const ValueError& error) {
    EXPECT_FALSE(io_error) << error.what();
    EXPECT_NE(std::string(error.what()).find(needle), std::string::npos) << error.what();
  }
}

TEST(Checkpoint, RejectsTruncatedAndForeignFilesNamingThem) {
  const auto dir = temp_dir("corrupt");
  const std::string path = (dir / "ckpt.safetensors").string();
  Trained a;
  a.step(1);
  save_checkpoint(path, a.state());
  const std::string bytes = io::read_file(path);
  Trained b;
  const std::vector<float> before = b.model.weight.to_vector<float>();
  TrainingState state = b.state();
  for (const std::size_t keep : {bytes.size() - 1, bytes.size() / 2, std::size_t{100}, std::size_t{5}}) {
    const std::string cut = (dir / ("cut" + std::to_string(keep))).string();
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, keep);
    expect_error_naming([&] { load_checkpoint(cut, state); }, cut, true);
  }
  const std::string foreign = (dir / "weights.safetensors").string();
  io::save_safetensors(foreign, {{"weight", zeros({2, 3})}});
  expect_error_naming([&] { load_checkpoint(foreign, state); }, "not a minidl training checkpoint", true);
  expect_error_naming([&] { load_checkpoint((dir / "none").string(), state); }, "none", true);
  EXPECT_EQ(b.model.weight.to_vector<float>(), before) << "nothing changed";
  std::filesystem::remove_all(dir);
}

TEST(Checkpoint, RejectsMismatchedModelsNamingTheKeysBeforeChangingAnything) {
  const auto dir = temp_dir("mismatch");
  const std::string path = (dir / "ckpt.safetensors").string();
  Trained a;
  a.model.randomize();
  a.step(1);
  save_checkpoint(path, a.state());

  Tiny wider(8);  // weight [2, 4] instead of [2, 3]
  TrainingState state{.model = wider};
  const auto before = wider.inner->bias.to_vector<float>();
  expect_error_naming([&] { load_checkpoint(path, state); }, "model.weight is [2, 3]", false);
  EXPECT_EQ(wider.inner->bias.to_vector<float>(), before) << "the matching tensors were not copied either";

  Tiny extra(6, /*with_extra=*/true);
  TrainingState with_extra{.model = extra};
  expect_error_naming([&] { load_checkpoint(path, with_extra); }, "missing model.extra", false);

  Trained no_scheduler_saved;
  TrainingState without{.model = no_scheduler_saved.model, .optimizer = state_handle(no_scheduler_saved.sgd)};
  save_checkpoint(path, without);
  TrainingState wants_scheduler = no_scheduler_saved.state();
  expect_error_naming([&] { load_checkpoint(path, wants_scheduler); }, "missing scheduler.last_epoch", false);
  TrainingState wants_extra{.model = no_scheduler_saved.model, .extra = {{"ema", {}}}};
  expect_error_naming([&] { load_checkpoint(path, wants_extra); }, "no extra state 'ema'", false);
  std::filesystem::remove_all(dir);
}

TEST(Checkpoint, ReservedMetadataKeysAreRefused) {
  Tiny model;
  TrainingState state{.model = model, .metadata = {{"minidl.epoch", "1"}}};
  EXPECT_THROW(checkpoint_contents(state), ValueError);
}

TEST(Checkpoint, RoundTripsExtraState) {
  const auto dir = temp_dir("extra");
  const std::string path = (dir / "ckpt.safetensors").string();
  Tiny model;
  Tensor shadow = from_vector<double>({1.5, -2.5});
  TrainingState state{.model = model};
  state.extra["ema"] = {[&] {
                          return io::TensorMap{{"shadow", shadow}};
                        },
                        [&](const io::TensorMap& saved) { shadow.copy_(saved.at("shadow")); }};
  save_checkpoint(path, state);
  EXPECT_TRUE(io::load_safetensors(path).tensors.count("extra.ema.shadow"));
  shadow.fill_(0);
  load_checkpoint(path, state);
  EXPECT_EQ(shadow.to_vector<double>(), (std::vector<double>{1.5, -2.5}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace minidl::train
