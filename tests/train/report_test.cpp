// HTML report: well-formed markup, self-contained (no scripts or external
// resources), one <svg> per chart with one polyline point per epoch, axis labels,
// legends, the final numbers and the configuration; per-step binning; atomic write.
#include "train/report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/io/atomic_file.h"
#include "train/markup.h"
#include "train/svg_chart.h"

namespace minidl::train {
namespace {

using test::attribute;
using test::elements;
using test::inner_text;

ReportData sample(int epochs, bool with_test) {
  ReportData data;
  data.title = "ResNet-9 <CIFAR-10>";
  for (int e = 1; e <= epochs; ++e) {
    EpochRecord r;
    r.epoch = e;
    r.train_loss = 2.0 / e;
    r.train_acc = 1.0 - 0.5 / e;
    if (with_test) r.test_loss = 2.2 / e, r.test_acc = 0.9 - 0.5 / e;
    r.lr = 0.1 / e;
    r.seconds = 10;
    r.images_per_s = 5000;
    data.epochs.push_back(r);
  }
  for (int s = 0; s < 50; ++s) data.step_loss.push_back(2.0 - s * 0.03);
  data.config = {{"optimizer", "SGD(momentum=0.9, nesterov)"}, {"batch_size", "512"}, {"note", "a < b & c"}};
  return data;
}

std::string chart(const std::string& html, const std::string& id) {
  for (const std::string& svg : elements(html, "svg"))
    if (attribute(svg, "id") == id) return svg;
  return "";
}

std::vector<std::string> texts_of_class(const std::string& svg, const std::string& cls) {
  std::vector<std::string> out;
  for (const std::string& e : elements(svg, "text"))
    if (attribute(e, "class") == cls) out.push_back(inner_text(e));
  return out;
}

TEST(Report, IsWellFormedAndSelfContained) {
  const std::string html = render_report(sample(5, true));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(test::markup_problem(html), "") << html;
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  std::string without_xmlns = html;
  for (std::size_t at; (at = without_xmlns.find("http://www.w3.org/2000/svg")) != std::string::npos;)
    without_xmlns.erase(at, 26);
  EXPECT_EQ(without_xmlns.find("http"), std::string::npos) << "no network resources";
  EXPECT_EQ(inner_text(elements(html, "title")[0]), "ResNet-9 &lt;CIFAR-10&gt;");
}

TEST(Report, HasOneChartPerQuantityWithAPointPerEpoch) {
  const std::string html = render_report(sample(5, true));
  EXPECT_EQ(elements(html, "svg").size(), 4u);
  const struct {
    const char* id;
    std::vector<std::string> legend;
    const char* y_label;
  } expected[] = {{"loss", {"train loss", "test loss"}, "loss"},
                  {"accuracy", {"train accuracy", "test accuracy"}, "accuracy (%)"},
                  {"lr", {"lr"}, "learning rate"}};
  for (const auto& want : expected) {
    const std::string svg = chart(html, want.id);
    ASSERT_FALSE(svg.empty()) << want.id;
    const auto lines = elements(svg, "polyline");
    ASSERT_EQ(lines.size(), want.legend.size()) << want.id;
    for (const auto& line : lines) EXPECT_EQ(test::polyline_points(line).size(), 5u) << want.id;
    EXPECT_EQ(texts_of_class(svg, "legend-entry"), want.legend) << want.id;
    EXPECT_EQ(texts_of_class(svg, "axis-label"), (std::vector<std::string>{"epoch", want.y_label}))
        << want.id;
    EXPECT_EQ(texts_of_class(svg, "tick-label")[0], "1") << want.id << ": epochs tick on whole numbers";
  }
  // Accuracy is drawn in percent: the last train accuracy 0.9 sits at y = 90.
  const std::string acc = chart(html, "accuracy");
  SvgChart reference(640, 360);
  reference.set_integer_x().add_series({.x = {1, 5}, .y = {40, 90}});  // the extent of both curves
  const auto points = test::polyline_points(elements(acc, "polyline")[0]);
  EXPECT_NEAR(points.back().second, reference.y_to_px(90), 0.006);
  EXPECT_NEAR(points.front().second, reference.y_to_px(50), 0.006);

  const std::string steps = chart(html, "step-loss");
  ASSERT_FALSE(steps.empty());
  const auto step_lines = elements(steps, "polyline");
  ASSERT_EQ(step_lines.size(), 1u);
  EXPECT_EQ(test::polyline_points(step_lines[0]).size(), 50u);
}

TEST(Report, TablesHoldFinalNumbersAndConfiguration) {
  const std::string html = render_report(sample(4, true));
  const auto tables = elements(html, "table");
  ASSERT_EQ(tables.size(), 2u);
  const std::string& numbers = tables[0];
  EXPECT_NE(numbers.find("<tr><th>train loss</th><td>0.5000</td></tr>"), std::string::npos) << numbers;
  EXPECT_NE(numbers.find("<tr><th>test accuracy</th><td>77.50%</td></tr>"), std::string::npos) << numbers;
  EXPECT_NE(numbers.find("<tr><th>best test accuracy</th><td>77.50% (epoch 4)</td></tr>"), std::string::npos);
  EXPECT_NE(numbers.find("<tr><th>training time</th><td>40.0 s</td></tr>"), std::string::npos);
  EXPECT_NE(numbers.find("<tr><th>final lr</th><td>0.025</td></tr>"), std::string::npos);
  const std::string& config = tables[1];
  EXPECT_NE(config.find("<tr><th>batch_size</th><td>512</td></tr>"), std::string::npos);
  EXPECT_NE(config.find("<td>a &lt; b &amp; c</td>"), std::string::npos);
}

TEST(Report, LeavesOutWhatWasNotMeasured) {
  ReportData data = sample(3, false);
  data.step_loss.clear();
  data.config.clear();
  const std::string html = render_report(data);
  EXPECT_EQ(test::markup_problem(html), "");
  EXPECT_EQ(elements(html, "svg").size(), 3u) << "no per-step chart";
  EXPECT_EQ(elements(chart(html, "loss"), "polyline").size(), 1u);
  EXPECT_EQ(html.find("test loss"), std::string::npos);
  EXPECT_EQ(elements(html, "table").size(), 1u) << "no configuration table";
  const std::string empty = render_report(ReportData{});
  EXPECT_EQ(test::markup_problem(empty), "");
  EXPECT_EQ(elements(empty, "svg").size(), 0u);
}

TEST(Report, BinsLongStepLossCurves) {
  std::vector<double> loss;
  for (int i = 1; i <= 10; ++i) loss.push_back(i);
  // 10 steps into 4 bins: steps 1-2, 3-5, 6-7, 8-10.
  const auto [x, y] = bin_step_loss(loss, 4);
  EXPECT_EQ(x, (std::vector<double>{1.5, 4, 6.5, 9}));
  EXPECT_EQ(y, (std::vector<double>{1.5, 4, 6.5, 9}));
  const auto [x_all, y_all] = bin_step_loss(loss, 100);
  EXPECT_EQ(y_all, loss) << "short curves are drawn as they are";
  EXPECT_EQ(x_all.front(), 1);
  std::vector<double> many(2500, 1.0);
  ReportData data;
  data.step_loss = many;
  const std::string html = render_report(data);
  EXPECT_EQ(test::polyline_points(elements(chart(html, "step-loss"), "polyline")[0]).size(), kMaxStepPoints);
}

TEST(Report, IsWrittenAtomically) {
  const auto dir = std::filesystem::temp_directory_path() / ("minidl_report_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "report.html").string();
  const ReportData data = sample(3, true);
  write_report(path, data);
  EXPECT_EQ(io::read_file(path), render_report(data));
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files += entry.is_regular_file();
  EXPECT_EQ(files, 1) << "no temporary file left behind";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace minidl::train
