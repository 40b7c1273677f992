// Snapshot ensembles: driven per step by CosineAnnealingWarmRestarts(T_0 = 3, T_mult = 2), a
// snapshot is taken exactly at the restarts (steps 3, 9, 21), holds the weights of that moment
// (a deep copy), differs from the others, reaches its file intact, and the ensemble built from
// the snapshots, from the files, or by predict() gives the same log-mean-softmax.
#include "optim/snapshot.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "core/autograd.h"
#include "core/io/safetensors.h"
#include "core/ops/loss.h"
#include "core/random.h"
#include "layers/nn.h"
#include "optim/algorithms.h"

namespace minidl::optim {
namespace {

std::vector<double> values(const Tensor& t) { return t.to(DType::Float64).contiguous().to_vector<double>(); }

std::shared_ptr<nn::Module> make_model() {
  return std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(6, 8), std::make_shared<nn::BatchNorm1d>(8), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(8, 4)});
}

void expect_same(const Tensor& a, const Tensor& b, double tol = 0.0) {
  const auto x = values(a), y = values(b);
  ASSERT_EQ(x.size(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], tol) << i;
}

// One training run and what the test saw during it.
struct Trained {
  std::shared_ptr<nn::Module> model;
  std::unique_ptr<SGD> sgd;
  std::unique_ptr<lr::CosineAnnealingWarmRestarts> schedule;
  std::unique_ptr<SnapshotEnsemble> snapshots;
  std::vector<int64_t> taken_at;        // loop iterations (1-based) where step() returned true
  std::vector<nn::StateDict> at_taken;  // the model's weights at those moments, copied by the test
};

std::unique_ptr<Trained> train(const SnapshotOptions& options) {
  manual_seed(7);
  auto run = std::make_unique<Trained>();
  run->model = make_model();
  run->sgd = std::make_unique<SGD>(run->model->parameters(), SGDOptions{.lr = 0.2, .momentum = 0.9});
  run->schedule = std::make_unique<lr::CosineAnnealingWarmRestarts>(*run->sgd, 3, 2);
  run->snapshots = std::make_unique<SnapshotEnsemble>(*run->model, *run->schedule, options);
  Generator gen(3);
  const Tensor x = randn({16, 6}, {}, &gen);
  const Tensor y = randint(0, 4, {16}, {.dtype = DType::Int64}, &gen);
  for (int64_t iteration = 1; iteration <= 22; ++iteration) {
    run->sgd->zero_grad();
    cross_entropy((*run->model)(x), y).backward();
    run->sgd->step();
    run->schedule->step();
    if (run->snapshots->step()) {
      run->taken_at.push_back(iteration);
      nn::StateDict copy;
      for (const auto& [name, t] : run->model->state_dict()) copy[name] = t.clone();
      run->at_taken.push_back(copy);
      EXPECT_FALSE(run->snapshots->step()) << "a second call at the same restart must not snapshot again";
      EXPECT_DOUBLE_EQ(run->schedule->get_last_lr()[0], 0.2) << "a snapshot is due when the lr restarts";
    }
  }
  return run;
}

TEST(SnapshotEnsemble, TakesOneSnapshotAtTheEndOfEachCycle) {
  const auto run = train({});
  const SnapshotEnsemble* snapshots = run->snapshots.get();
  EXPECT_EQ(run->taken_at, (std::vector<int64_t>{3, 9, 21}));  // cycles of 3, 6 and 12 steps
  EXPECT_EQ(snapshots->snapshot_steps(), (std::vector<int64_t>{3, 9, 21}));
  ASSERT_EQ(snapshots->snapshots().size(), 3u);
  EXPECT_TRUE(snapshots->files().empty());
  for (std::size_t k = 0; k < 3; ++k)
    for (const auto& [name, t] : run->at_taken[k]) expect_same(snapshots->snapshots()[k].at(name), t);
  // The snapshots are copies, not the live weights, and they differ from each other.
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = i + 1; j < 3; ++j)
      EXPECT_NE(values(snapshots->snapshots()[i].at("3.weight")),
                values(snapshots->snapshots()[j].at("3.weight")));
  EXPECT_NE(values(snapshots->snapshots()[2].at("3.weight")),
            values(run->model->state_dict().at("3.weight")));
}

TEST(SnapshotEnsemble, FilesEnsemblesAndPredictAgree) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("minidl_snapshot_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto run = train({.directory = dir.string(), .prefix = "cnn"});
  SnapshotEnsemble* snapshots = run->snapshots.get();
  ASSERT_EQ(snapshots->files().size(), 3u);
  EXPECT_EQ(snapshots->files()[1], (dir / "cnn_1.safetensors").string());
  const io::Safetensors file = io::load_safetensors(snapshots->files()[1]);
  EXPECT_EQ(file.metadata.at("minidl.snapshot.step"), "9");
  EXPECT_EQ(file.metadata.at("minidl.snapshot.cycle"), "1");
  for (const auto& [name, t] : snapshots->snapshots()[1]) expect_same(file.tensors.at(name), t);

  run->model->train();
  const auto live = values(run->model->state_dict().at("0.weight"));
  const Tensor x = randn({5, 6});
  autograd::NoGradGuard no_grad;
  std::vector<Tensor> outputs;  // the reference: each snapshot's logits in eval mode, combined
  for (std::size_t k = 1; k < 3; ++k) {
    auto member = make_model();
    member->load_state_dict(snapshots->snapshots()[k]);
    member->eval();
    outputs.push_back((*member)(x));
  }
  const Tensor want = nn::mean_softmax_log(outputs);
  expect_same(snapshots->ensemble(make_model, 2)->forward(x), want, 1e-6);
  expect_same(snapshots->predict(x, 2), want, 1e-6);
  expect_same(ensemble_from_files({snapshots->files()[1], snapshots->files()[2]}, make_model)->forward(x),
              want, 1e-6);
  EXPECT_EQ(snapshots->ensemble(make_model)->size(), 3u);
  // predict() put the live weights and the training mode back.
  EXPECT_EQ(values(run->model->state_dict().at("0.weight")), live);
  EXPECT_TRUE(run->model->is_training());
  std::filesystem::remove_all(dir);
}

TEST(SnapshotEnsemble, NothingToEnsembleBeforeTheFirstSnapshot) {
  auto model = make_model();
  SGD sgd(model->parameters(), {.lr = 0.1});
  lr::CosineAnnealingWarmRestarts schedule(sgd, 5);
  SnapshotEnsemble snapshots(*model, schedule);
  EXPECT_FALSE(snapshots.step());
  EXPECT_THROW(snapshots.ensemble(make_model), ValueError);
  EXPECT_THROW(snapshots.predict(randn({2, 6})), ValueError);
  snapshots.take_snapshot();  // e.g. training stopped mid-cycle
  EXPECT_EQ(snapshots.snapshot_steps(), (std::vector<int64_t>{0}));
}

}  // namespace
}  // namespace minidl::optim
