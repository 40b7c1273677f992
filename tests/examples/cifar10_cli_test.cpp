// The cifar10_train command line, run as a user runs it: every bad value in a table (the ones
// a new user tried among them) exits non-zero within seconds with a message naming the flag,
// and none crashes, hangs or is silently reinterpreted. Then the checks that need a real run:
// a resume that contradicts its checkpoint, a finished run resumed, a diverging run, and a
// CIFAR folder with an empty file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "core/io/safetensors.h"
#include "support/subprocess.h"
#include "synthetic_cifar.h"

namespace {
namespace fs = std::filesystem;
using minidl::test::Process;

class Cifar10Cli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    binary_ = minidl::test::example_binary("cifar10_train");
    if (!binary_.empty()) data_ = minidl::test::synthetic_cifar10("cli", 16, 16);
  }
  static void TearDownTestSuite() {
    if (!data_.empty()) fs::remove_all(data_);
  }
  void SetUp() override {
    if (binary_.empty()) GTEST_SKIP() << "cifar10_train is not built here (MINIDL_BUILD_EXAMPLES=OFF)";
  }
  // A short, valid CPU run on the synthetic data, with `extra` flags appended.
  static std::vector<std::string> args(const std::vector<std::string>& extra) {
    std::vector<std::string> all{binary_, "--data", data_.string(), "--subset-data", "--device", "cpu",
                                 "--model", "mlp", "--width", "0.125", "--epochs", "2", "--batch-size", "16",
                                 "--threads", "1", "--lr", "0.05", "--augment", "none"};
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  }
  struct Outcome {
    std::optional<int> code;  // nullopt: it hung and was killed
    std::string output;
  };
  static Outcome run(const std::vector<std::string>& argv, int seconds = 60) {
    const std::string log = (data_ / "run.log").string();
    Process process(argv, log);
    EXPECT_TRUE(process.started()) << argv[0];
    const auto code = process.wait(std::chrono::seconds(seconds));
    return {code, process.output()};
  }
  static std::string path(const std::string& name) { return (data_ / name).string(); }

  static std::string binary_;
  static fs::path data_;
};
std::string Cifar10Cli::binary_;
fs::path Cifar10Cli::data_;

struct BadLine {
  std::vector<std::string> flags;
  std::string message_has;  // names the flag (or the file)
};

TEST_F(Cifar10Cli, EveryBadValueExitsNonZeroNamingTheFlag) {
  const std::vector<BadLine> table = {
      {{"--threads", "100000"}, "--threads"},        {{"--threads", "5000"}, "--threads"},
      {{"--threads", "0"}, "--threads"},             {{"--threads", "-1"}, "--threads"},
      {{"--threads", "two"}, "--threads"},           {{"--train-per-class", "0"}, "--train-per-class"},
      {{"--train-per-class", "-1"}, "--train-per-class"}, {{"--test-limit", "0"}, "--test-limit"},
      {{"--test-limit", "-1"}, "--test-limit"},      {{"--stop-after", "0"}, "--stop-after"},
      {{"--stop-after", "-1"}, "--stop-after"},      {{"--stop-after", "3"}, "--stop-after"},
      {{"--epochs", "0"}, "--epochs"},               {{"--epochs", "-3"}, "--epochs"},
      {{"--epochs", "100001"}, "--epochs"},          {{"--epochs", "1.5"}, "--epochs"},
      {{"--batch-size", "0"}, "--batch-size"},       {{"--batch-size", "100000"}, "--batch-size"},
      {{"--lr", "0"}, "--lr"},                       {{"--lr", "-0.1"}, "--lr"},
      {{"--lr", "nan"}, "--lr"},                     {{"--lr", "inf"}, "--lr"},
      {{"--lr", "1e6"}, "--lr"},                     {{"--momentum", "1"}, "--momentum"},
      {{"--momentum", "-0.5"}, "--momentum"},        {{"--width", "0"}, "--width"},
      {{"--width", "1000"}, "--width"},              {{"--weight-decay", "-1"}, "--weight-decay"},
      {{"--l1", "2"}, "--l1"},                       {{"--label-smoothing", "1"}, "--label-smoothing"},
      {{"--dropout", "1.5"}, "--dropout"},           {{"--dropconnect", "-0.1"}, "--dropconnect"},
      {{"--ema", "1"}, "--ema"},                     {{"--ema", "0"}, "--ema"},
      {{"--seed", "-1"}, "--seed"},                  {{"--seed", "1.5"}, "--seed"},
      {{"--seed", "18446744073709551616"}, "--seed"}, {{"--max-loss-rise", "0.5"}, "--max-loss-rise"},
      {{"--model", "nope"}, "--model"},              {{"--optimizer", "nope"}, "--optimizer"},
      {{"--schedule", "nope"}, "--schedule"},        {{"--device", "tpu"}, "--device"},
      {{"--device", "cuda:7"}, "--device"},          {{"--augment", "wobble"}, "--augment"},
      {{"--bogus"}, "--bogus"},                      {{"--checkpoint", "/nonexistent/dir/x.ckpt"}, "--checkpoint"},
      {{"--metrics", "/nonexistent/m.jsonl"}, "--metrics"}, {{"--report", "/"}, "--report"},
      {{"--metrics", "/tmp/same", "--report", "/tmp/same"}, "name the same file"},
      {{"--resume", "/nonexistent.ckpt"}, "--resume"},
  };
  int checked = 0;
  for (const BadLine& line : table) {
    std::string shown;
    for (const std::string& flag : line.flags) shown += flag + " ";
    SCOPED_TRACE(shown);
    const Outcome outcome = run(args(line.flags), 20);
    ASSERT_TRUE(outcome.code.has_value()) << "hung";
    EXPECT_NE(*outcome.code, 0) << outcome.output;
    EXPECT_LT(*outcome.code, 128) << "crashed: " << outcome.output;
    EXPECT_NE(outcome.output.find(line.message_has), std::string::npos) << outcome.output;
    EXPECT_EQ(outcome.output.find("final test_acc"), std::string::npos) << "it trained: " << outcome.output;
    ++checked;
  }
  std::cout << "bad command lines rejected: " << checked << "\n";
  RecordProperty("bad_command_lines", checked);
}

TEST_F(Cifar10Cli, AResumeThatContradictsItsCheckpointIsRefusedOrOverridden) {
  const std::string ckpt = path("contradict.ckpt");
  ASSERT_EQ(run(args({"--checkpoint", ckpt, "--stop-after", "1"})).code, 0);
  Outcome other = run(args({"--resume", ckpt, "--epochs", "3", "--lr", "0.1"}));
  EXPECT_EQ(other.code, 2) << other.output;
  EXPECT_NE(other.output.find("--epochs 2 -> 3"), std::string::npos) << other.output;
  EXPECT_NE(other.output.find("--lr 0.05 -> 0.1"), std::string::npos) << other.output;
  EXPECT_NE(other.output.find("--resume-override"), std::string::npos) << other.output;
  Outcome model = run(args({"--resume", ckpt, "--model", "small_cnn", "--resume-override"}));
  EXPECT_EQ(model.code, 2) << model.output;
  EXPECT_NE(model.output.find("written for another model (--model mlp -> small_cnn"), std::string::npos)
      << model.output;
  Outcome overridden = run(args({"--resume", ckpt, "--epochs", "3", "--resume-override"}));
  EXPECT_EQ(overridden.code, 0) << overridden.output;
  EXPECT_NE(overridden.output.find("--resume-override: continuing with --epochs 2 -> 3"), std::string::npos)
      << overridden.output;
  Outcome foreign = run(args({"--resume", (data_ / "test_batch.bin").string()}));
  EXPECT_EQ(foreign.code, 2) << foreign.output;
  EXPECT_NE(foreign.output.find("--resume"), std::string::npos) << foreign.output;
}

TEST_F(Cifar10Cli, ResumingAFinishedRunReportsItsRealAccuracy) {
  const std::string ckpt = path("finished.ckpt");
  const Outcome first = run(args({"--checkpoint", ckpt}));
  ASSERT_EQ(first.code, 0) << first.output;
  const std::regex accuracy("final test_acc=([0-9.]+)");
  std::smatch trained, resumed;
  ASSERT_TRUE(std::regex_search(first.output, trained, accuracy)) << first.output;
  const Outcome again = run(args({"--resume", ckpt}));
  ASSERT_EQ(again.code, 0) << again.output;
  ASSERT_TRUE(std::regex_search(again.output, resumed, accuracy)) << again.output;
  EXPECT_EQ(resumed[1].str(), trained[1].str()) << again.output;
  EXPECT_NE(again.output.find("is complete (epoch 2 of 2): evaluating it"), std::string::npos) << again.output;
}

TEST_F(Cifar10Cli, SaveModelWritesTheWeightsAloneWithTheModelsOwnKeys) {
  const std::string ckpt = path("weights_run.ckpt"), weights = path("weights.safetensors");
  ASSERT_EQ(run(args({"--checkpoint", ckpt, "--save-model", weights})).code, 0);
  const auto saved = minidl::io::load_safetensors(weights).tensors;
  const auto checkpoint = minidl::io::load_safetensors(ckpt).tensors;
  std::size_t model_keys = 0;
  for (const auto& [key, tensor] : checkpoint) {
    if (key.rfind("model.", 0) != 0) continue;
    ++model_keys;
    ASSERT_TRUE(saved.count(key.substr(6))) << key;
    EXPECT_EQ(saved.at(key.substr(6)).to_vector<double>(), tensor.to_vector<double>()) << key;
  }
  EXPECT_EQ(saved.size(), model_keys) << "nothing but the model, no prefix";
}

TEST_F(Cifar10Cli, ADivergingRunStopsNamingStepEpochAndLr) {
  const Outcome outcome = run(args({"--lr", "100", "--optimizer", "sgd", "--schedule", "none", "--epochs", "20"}));
  EXPECT_EQ(outcome.code, 1) << outcome.output;
  EXPECT_NE(outcome.output.find("training diverged at step "), std::string::npos) << outcome.output;
  EXPECT_NE(outcome.output.find("lr 100"), std::string::npos) << outcome.output;
  EXPECT_EQ(outcome.output.find("final test_acc"), std::string::npos) << outcome.output;
}

TEST_F(Cifar10Cli, AnEmptyOrShortCifarFileIsNamed) {
  const fs::path data = minidl::test::synthetic_cifar10("cli_empty", 4, 4);
  std::ofstream(data / "data_batch_1.bin", std::ios::trunc);
  std::vector<std::string> argv = args({});
  argv[2] = data.string();
  Outcome empty = run(argv);
  EXPECT_EQ(empty.code, 1) << empty.output;
  EXPECT_NE(empty.output.find("data_batch_1.bin is empty"), std::string::npos) << empty.output;
  std::erase(argv, "--subset-data");
  minidl::test::write_cifar_file(data / "data_batch_1.bin", 4, 1);
  Outcome short_files = run(argv);
  EXPECT_EQ(short_files.code, 1) << short_files.output;
  EXPECT_NE(short_files.output.find("holds 4 records; the official release has 10000"), std::string::npos)
      << short_files.output;
  EXPECT_NE(short_files.output.find("--subset-data"), std::string::npos) << short_files.output;
  fs::remove_all(data);
}

}  // namespace
