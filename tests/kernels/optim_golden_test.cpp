// The fused optimizer steps against torch.optim: 20 steps of every configuration in
// tests/kernels/golden/optim_golden.bin (written by make_optim_golden.py with PyTorch
// 1.13) on float32 tensors of 1, 3, 1023 and 65537 elements, checked at the stored
// checkpoints within 1e-5 relative (params and, after the last step, the state).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "kernels/optim.h"
#include "kernels/optim_cases.h"

namespace minidl::kernels {
namespace {

using nlohmann::json;

struct Golden {
  json header;
  std::vector<float> values;

  std::vector<double> record(const std::string& key) const {
    const auto& entry = header.at("records").at(key);
    const auto offset = entry[0].get<std::size_t>(), count = entry[1].get<std::size_t>();
    return {values.begin() + static_cast<std::ptrdiff_t>(offset),
            values.begin() + static_cast<std::ptrdiff_t>(offset + count)};
  }
};

Golden load_golden() {
  const char* root = std::getenv("MINIDL_SOURCE_DIR");
  const std::string path = std::string(root ? root : ".") + "/tests/kernels/golden/optim_golden.bin";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError("cannot open " + path + " (set MINIDL_SOURCE_DIR to the source tree)");
  Golden golden;
  std::string line;
  std::getline(in, line);
  golden.header = json::parse(line);
  const std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  golden.values.resize(rest.size() / sizeof(float));
  std::memcpy(golden.values.data(), rest.data(),
              golden.values.size() * sizeof(float));  // little-endian hosts
  return golden;
}

// PyTorch's hyperparameters (by torch's names) as a test case of our entry points.
test::OptimCase case_for(const json& config) {
  const std::string name = config.at("name"), algo = config.at("algo");
  const json& hp = config.at("hparams");
  const auto get = [&](const char* key, double fallback) { return hp.value(key, fallback); };
  const auto flag = [&](const char* key) { return hp.value(key, false); };
  const double beta1 = hp.contains("betas") ? hp["betas"][0].get<double>() : 0.9;
  const double beta2 = hp.contains("betas") ? hp["betas"][1].get<double>() : 0.999;
  if (algo == "sgd")
    return test::sgd_case(name, {.lr = get("lr", 0),
                                 .momentum = get("momentum", 0),
                                 .dampening = get("dampening", 0),
                                 .weight_decay = get("weight_decay", 0),
                                 .nesterov = flag("nesterov")});
  if (algo == "adagrad")
    return test::adagrad_case(name, {.lr = get("lr", 1e-2),
                                     .lr_decay = get("lr_decay", 0),
                                     .weight_decay = get("weight_decay", 0),
                                     .initial_accumulator_value = get("initial_accumulator_value", 0),
                                     .eps = get("eps", 1e-10)});
  if (algo == "rmsprop")
    return test::rmsprop_case(name, {.lr = get("lr", 1e-2),
                                     .alpha = get("alpha", 0.99),
                                     .eps = get("eps", 1e-8),
                                     .weight_decay = get("weight_decay", 0),
                                     .momentum = get("momentum", 0),
                                     .centered = flag("centered")});
  if (algo == "adam")
    return test::adam_case(name, {.lr = get("lr", 1e-3),
                                  .beta1 = beta1,
                                  .beta2 = beta2,
                                  .eps = get("eps", 1e-8),
                                  .weight_decay = get("weight_decay", 0),
                                  .amsgrad = flag("amsgrad")});
  if (algo == "adamw")
    return test::adamw_case(name, {.lr = get("lr", 1e-3),
                                   .beta1 = beta1,
                                   .beta2 = beta2,
                                   .eps = get("eps", 1e-8),
                                   .weight_decay = get("weight_decay", 1e-2),
                                   .amsgrad = flag("amsgrad")});
  throw ValueError("unknown algorithm " + algo);
}

// Our state list of PyTorch's state name.
int state_list(const std::string& name) {
  if (name == "exp_avg_sq") return 1;
  if (name == "max_exp_avg_sq" || name == "grad_avg") return 2;
  if (name == "momentum_buffer") return -1;  // SGD: list 0; RMSprop: list 1 (resolved by the caller)
  return 0;                                  // momentum_buffer of SGD, sum, square_avg, exp_avg
}

void expect_close(const std::vector<double>& got, const std::vector<double>& want, const std::string& what) {
  constexpr double kRtol = 1e-5;
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], kRtol * std::max(1.0, std::fabs(want[i]))) << what << " element " << i;
}

TEST(OptimGolden, TrajectoriesMatchTorchOptim) {
  const Golden golden = load_golden();
  const json& header = golden.header;
  ASSERT_EQ(header.at("format"), "minidl-optim-golden-1");
  std::vector<Shape> shapes;
  for (int64_t n : header.at("sizes")) shapes.push_back({n});
  const auto steps = header.at("steps").get<int64_t>();
  const auto stride = header.at("large_stride").get<int64_t>();
  int configs = 0;
  for (const json& config : header.at("configs")) {
    const test::OptimCase c = case_for(config);
    SCOPED_TRACE(c.name);
    // PyTorch starts state at zeros (and AdaGrad at the initial value): zeros here too.
    const test::OptimLists lists = test::make_optim_lists(c.uses, shapes, {});
    for (auto& list : lists.states)
      for (const Tensor& s : list) s.zero_();
    for (int64_t t = 1; t <= steps; ++t) {
      test::fill_golden_grads(lists.grads, t);
      c.step(lists.params, lists.grads, lists.states, {.step = t});
      for (const Tensor& p : lists.params) {
        const std::string key = c.name + "/param/" + std::to_string(p.numel()) + "/" + std::to_string(t);
        if (!header.at("records").contains(key)) continue;
        std::vector<double> got = p.to_vector<double>();
        if (p.numel() == 65537) {  // every stride-th element and the last four
          std::vector<double> picked;
          for (int64_t i = 0; i < p.numel(); i += stride) picked.push_back(got[static_cast<std::size_t>(i)]);
          for (int64_t i = p.numel() - 4; i < p.numel(); ++i)
            picked.push_back(got[static_cast<std::size_t>(i)]);
          got = picked;
        }
        expect_close(got, golden.record(key), key);
      }
    }
    for (const std::string state : config.at("states")) {
      int list = state_list(state);
      if (list < 0) list = config.at("algo") == "sgd" ? 0 : 1;
      for (std::size_t k = 0; k + 1 < shapes.size(); ++k) {
        const std::string key =
            c.name + "/" + state + "/" + std::to_string(shapes[k][0]) + "/" + std::to_string(steps);
        expect_close(lists.states[static_cast<std::size_t>(list)][k].to_vector<double>(), golden.record(key),
                     key);
      }
    }
    ++configs;
  }
  EXPECT_EQ(configs, 17);
}

}  // namespace
}  // namespace minidl::kernels
