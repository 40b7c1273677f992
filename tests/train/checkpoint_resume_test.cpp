// Resuming from a checkpoint equals uninterrupted training, bit for bit: a one-weight
// model trained on data drawn from the default generator for 4 steps straight vs 2
// steps, save, load into fresh objects (other weights, no optimizer state, another
// generator state), 2 steps. Also: a save that fails midway (file size limit hit
// while writing) or before writing leaves the previous checkpoint loadable.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <functional>
#include <memory>

#include "core/autograd.h"
#include "core/generator.h"
#include "core/io/atomic_file.h"
#include "core/ops/loss.h"
#include "optim/algorithms.h"
#include "support/gpu_test.h"
#include "train/checkpoint.h"
#include "train/checkpoint_fixtures.h"

namespace minidl::train {
namespace {

using test::Scale;
using test::temp_dir;

/// A model, its optimizer and its schedule, built from scratch.
struct Run {
  std::unique_ptr<Scale> model = std::make_unique<Scale>();
  std::unique_ptr<optim::Optimizer> optimizer;
  StateHandle optimizer_state;
  std::unique_ptr<optim::lr::Scheduler> schedule;
  int64_t steps = 0;

  explicit Run(bool adam, const Device& device = Device::cpu()) {
    model->to(device);
    if (adam) {
      auto opt = std::make_unique<optim::Adam>(model->parameters(), optim::AdamOptions{.lr = 0.05});
      optimizer_state = state_handle(*opt);
      optimizer = std::move(opt);
    } else {
      auto opt = std::make_unique<optim::SGD>(
          model->parameters(),
          optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .weight_decay = 1e-3, .nesterov = true});
      optimizer_state = state_handle(*opt);
      optimizer = std::move(opt);
    }
    schedule = std::make_unique<optim::lr::CosineAnnealingLR>(*optimizer, 10);
  }
  TrainingState state() {
    return {.model = *model, .optimizer = optimizer_state, .scheduler = schedule.get(), .step = steps};
  }
  /// One step on a fresh batch drawn from the default generator of the model's device.
  void step() {
    const Device device = model->weight.device();
    const Tensor x = randn({8, 4}, {.device = device});
    const Tensor noise = randn({8}, {.device = device});
    const Tensor target =
        add(sum(mul(x, from_vector<float>({1.f, -2.f, 0.5f, 3.f}, {4}, device)), {1}), mul(noise, 0.1));
    const Tensor loss = mse_loss((*model)(x), target);
    optimizer->zero_grad();
    loss.backward();
    optimizer->step();
    schedule->step();
    ++steps;
  }
};

/// Trains 4 steps straight and 2 + checkpoint + 2; returns the resumed weights. `leave_out`
/// may drop parts of the state from the load (the controls showing each part matters).
std::vector<float> resume_vs_straight(bool adam, const Device& device, std::vector<float>* straight_out,
                                      const std::function<void(TrainingState&)>& leave_out = {}) {
  const auto dir = temp_dir(std::string("resume_") + (adam ? "adam" : "sgd"));
  const std::string path = (dir / "ckpt.safetensors").string();
  manual_seed(7);
  Run straight(adam, device);
  for (int i = 0; i < 4; ++i) straight.step();
  *straight_out = straight.model->weight.to_vector<float>();
  const GeneratorState straight_generator = default_generator(device).state();

  manual_seed(7);
  std::vector<float> resumed_weights;
  {
    Run first(adam, device);
    first.step();
    first.step();
    save_checkpoint(path, first.state());
    first.step();  // training went on past the checkpoint before the "crash"
  }
  manual_seed(12345);
  randn({999}, {.device = device});
  Run resumed(adam, device);
  {
    autograd::NoGradGuard no_grad;  // a parameter, written in place: as in PyTorch, only without a graph
    resumed.model->weight.fill_(-3.0);
  }
  TrainingState state = resumed.state();
  if (leave_out) leave_out(state);
  load_checkpoint(path, state);
  resumed.steps = state.step;
  EXPECT_EQ(resumed.steps, 2);
  resumed.step();
  resumed.step();
  if (!leave_out) {
    EXPECT_EQ(default_generator(device).state(), straight_generator);
  }
  std::filesystem::remove_all(dir);
  return resumed.model->weight.to_vector<float>();
}

TEST(CheckpointResume, EqualsUninterruptedTrainingWithSgd) {
  std::vector<float> straight;
  const std::vector<float> resumed = resume_vs_straight(false, Device::cpu(), &straight);
  EXPECT_EQ(resumed, straight);
  EXPECT_NE(straight, std::vector<float>(4, 0.5f)) << "training moved the weight";
}

TEST(CheckpointResume, EqualsUninterruptedTrainingWithAdam) {
  std::vector<float> straight;
  EXPECT_EQ(resume_vs_straight(true, Device::cpu(), &straight), straight);
}

TEST(CheckpointResume, EveryPartOfTheStateMatters) {
  std::vector<float> straight;
  const auto without_generators = [](TrainingState& s) { s.generators = false; };
  EXPECT_NE(resume_vs_straight(false, Device::cpu(), &straight, without_generators), straight)
      << "the data of steps 3-4 comes from the restored generator";
  const auto without_optimizer = [](TrainingState& s) { s.optimizer = {}; };
  EXPECT_NE(resume_vs_straight(false, Device::cpu(), &straight, without_optimizer), straight)
      << "momentum buffers carry over";
  const auto without_scheduler = [](TrainingState& s) { s.scheduler = nullptr; };
  EXPECT_NE(resume_vs_straight(true, Device::cpu(), &straight, without_scheduler), straight)
      << "the schedule goes on from step 2";
}

class CheckpointResumeGpu : public minidl::test::GpuTest {};

TEST_F(CheckpointResumeGpu, EqualsUninterruptedTrainingOnCuda) {
  for (const bool adam : {false, true}) {
    std::vector<float> straight;
    EXPECT_EQ(resume_vs_straight(adam, Device::cuda(), &straight), straight) << (adam ? "Adam" : "SGD");
  }
}

/// Saves `fill`-valued weights to `path` after a good checkpoint, under a file size limit.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);  // a failed write() instead of a signal
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_handler_);
  }

 private:
  rlimit saved_{};
  void (*previous_handler_)(int) = nullptr;
};

int files_in(const std::filesystem::path& dir) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) count += entry.is_regular_file();
  return count;
}

TEST(CheckpointResume, ASaveFailingMidwayLeavesThePreviousCheckpoint) {
  const auto dir = temp_dir("atomic");
  const std::string path = (dir / "ckpt.safetensors").string();
  Scale model(8192);  // 32 KiB of weights
  TrainingState state{.model = model, .epoch = 1};
  save_checkpoint(path, state);
  const std::string good = io::read_file(path);
  ASSERT_GT(good.size(), 32768u);

  {
    autograd::NoGradGuard no_grad;
    model.weight.fill_(2.0);
  }
  state.epoch = 2;
  {
    FileSizeLimit limit(16384);  // the new file is cut off half way through its tensor data
    EXPECT_THROW(save_checkpoint(path, state), IOError);
  }
  EXPECT_EQ(io::read_file(path), good);
  EXPECT_EQ(files_in(dir), 1) << "the partial temporary file was removed";
  load_checkpoint(path, state);
  EXPECT_EQ(state.epoch, 1);
  EXPECT_EQ(model.weight.to_vector<float>(), std::vector<float>(8192, 0.5f));

  // A failure before any byte is written (an extra state that throws) changes nothing either.
  state.extra["broken"] = {[]() -> io::TensorMap { throw ValueError("cannot read the EMA"); },
                           [](const io::TensorMap&) {}};
  EXPECT_THROW(save_checkpoint(path, state), ValueError);
  EXPECT_EQ(io::read_file(path), good);
  EXPECT_EQ(files_in(dir), 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace minidl::train
