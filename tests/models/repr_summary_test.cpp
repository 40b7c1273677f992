// The models' str() against the text PyTorch prints for their twins, and nn::summary's rows
// (output shapes, own parameter counts) and totals (with some layers frozen) against what
// PyTorch's hooks and parameters give for the twins (golden/make_repr_golden.py).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "layers/golden_text.h"
#include "layers/nn.h"
#include "layers/transfer.h"
#include "models/registry.h"

namespace minidl::models {
namespace {

std::string read_text(const std::string& relative) {
  std::ifstream in(test::source_path(relative));
  EXPECT_TRUE(in.good()) << relative;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ModelRepr, MatchesPyTorchsReprOfTheTwin) {
  for (const std::string name : {"small_cnn", "resnet9", "resnet18", "mlp"}) {
    const auto model = create(name);
    EXPECT_EQ(model->str() + "\n", read_text("tests/models/golden/" + name + "_repr.txt")) << name;
  }
}

struct GoldenRow {
  std::string name, type, shape;
  int64_t params;
};

struct GoldenSummary {
  std::vector<GoldenRow> rows;
  int64_t total = 0, trainable = 0, non_trainable = 0;                       // unfrozen
  std::string frozen_prefixes;                                               // "conv1.,bn1.,layer1."
  int64_t frozen_total = 0, frozen_trainable = 0, frozen_non_trainable = 0;  // with those frozen
};

GoldenSummary read_summary(const std::string& model) {
  std::istringstream in(read_text("tests/models/golden/" + model + "_summary.txt"));
  GoldenSummary g;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    if (line.rfind("counts ", 0) == 0) {
      std::string counts, which;
      words >> counts >> which;
      if (which == "unfrozen") {
        words >> g.total >> g.trainable >> g.non_trainable;
      } else {
        g.frozen_prefixes = which.substr(which.find(':') + 1);
        words >> g.frozen_total >> g.frozen_trainable >> g.frozen_non_trainable;
      }
      continue;
    }
    GoldenRow row;
    std::getline(words, row.name, '\t');
    std::getline(words, row.type, '\t');
    std::getline(words, row.shape, '\t');
    words >> row.params;
    if (row.name == "-") row.name = "";
    g.rows.push_back(row);
  }
  return g;
}

TEST(ModelSummary, MatchesPyTorchsCountsAndShapesForTheTwins) {
  for (const std::string name : {"small_cnn", "resnet18"}) {
    const GoldenSummary g = read_summary(name);
    const auto model = create(name);
    nn::ModelSummary s = nn::summary(*model, {1, 3, 32, 32});
    ASSERT_EQ(s.rows.size(), g.rows.size()) << name;
    for (std::size_t i = 0; i < g.rows.size(); ++i) {
      EXPECT_EQ(s.rows[i].name, g.rows[i].name) << name;
      EXPECT_EQ(s.rows[i].type, g.rows[i].type) << name << " " << g.rows[i].name;
      EXPECT_EQ(shape_str(s.rows[i].output_shape), g.rows[i].shape) << name << " " << g.rows[i].name;
      EXPECT_EQ(s.rows[i].params, g.rows[i].params) << name << " " << g.rows[i].name;
    }
    EXPECT_EQ(s.total_params, g.total) << name;
    EXPECT_EQ(s.trainable_params, g.trainable) << name;
    EXPECT_EQ(s.non_trainable_params, g.non_trainable) << name;

    // Freeze what the script froze (requires_grad false): those count as non-trainable.
    std::istringstream prefixes(g.frozen_prefixes);
    for (std::string prefix; std::getline(prefixes, prefix, ',');)
      nn::freeze(*model, prefix + "*", {.freeze_batch_norm_stats = false});
    s = nn::summary(*model, {1, 3, 32, 32});
    EXPECT_EQ(s.total_params, g.frozen_total) << name;
    EXPECT_EQ(s.trainable_params, g.frozen_trainable) << name;
    EXPECT_EQ(s.non_trainable_params, g.frozen_non_trainable) << name;
    // A frozen layer's count shows in parentheses, as torchinfo shows it.
    const std::string first_conv = name == "small_cnn" ? "(864)" : "(1,728)";
    EXPECT_NE(s.str().find(first_conv), std::string::npos) << s.str();
  }
}

}  // namespace
}  // namespace minidl::models
