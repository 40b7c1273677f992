// SVG charts: nice tick steps and ranges against hand-worked values, tick labels,
// the data-to-pixel mapping at the plot corners, and the rendered markup (one
// <svg>, polylines with one point per finite value, legend entries, escaping).
#include "train/svg_chart.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "train/markup.h"

namespace minidl::train {
namespace {

using test::attribute;
using test::elements;
using test::inner_text;

std::vector<std::string> texts_of_class(const std::string& svg, const std::string& cls) {
  std::vector<std::string> out;
  for (const std::string& e : elements(svg, "text"))
    if (attribute(e, "class") == cls) out.push_back(inner_text(e));
  return out;
}

TEST(SvgChart, NiceStepsAreOneTwoOrFiveTimesAPowerOfTen) {
  EXPECT_DOUBLE_EQ(nice_step(0, 1), 0.2);          // raw 0.2
  EXPECT_DOUBLE_EQ(nice_step(0, 10), 2);           // raw 2
  EXPECT_DOUBLE_EQ(nice_step(0, 0.07), 0.02);      // raw 0.014 -> 0.02
  EXPECT_DOUBLE_EQ(nice_step(3, 1003), 200);       // raw 200
  EXPECT_DOUBLE_EQ(nice_step(0, 30, 4), 10);       // raw 10
  EXPECT_DOUBLE_EQ(nice_step(0, 31, 4), 20);       // raw 10.33 -> 20
  EXPECT_DOUBLE_EQ(nice_step(-1e-4, 1e-4), 5e-5);  // raw 4e-5 -> 5e-5
  EXPECT_THROW(nice_step(1, 1), ValueError);
}

TEST(SvgChart, AutoAxisWidensToWholeSteps) {
  const AxisScale a = auto_axis(0.13, 0.87);  // step 0.2: [0, 1]
  EXPECT_DOUBLE_EQ(a.step, 0.2);
  EXPECT_DOUBLE_EQ(a.range.lo, 0.0);
  EXPECT_DOUBLE_EQ(a.range.hi, 1.0);
  ASSERT_EQ(a.ticks.size(), 6u);
  for (int k = 0; k <= 5; ++k) EXPECT_NEAR(a.ticks[k], 0.2 * k, 1e-12);
  const AxisScale b = auto_axis(-3.5, 12);  // span 15.5, raw 3.1 -> 5: [-5, 15]
  EXPECT_DOUBLE_EQ(b.step, 5);
  EXPECT_DOUBLE_EQ(b.range.lo, -5);
  EXPECT_DOUBLE_EQ(b.range.hi, 15);
  EXPECT_EQ(b.ticks, (std::vector<double>{-5, 0, 5, 10, 15}));
  const AxisScale exact = auto_axis(0, 10);  // already on steps: unchanged
  EXPECT_DOUBLE_EQ(exact.range.lo, 0);
  EXPECT_DOUBLE_EQ(exact.range.hi, 10);
  const AxisScale point = auto_axis(5, 5);  // a flat series still gets a range around it
  EXPECT_LT(point.range.lo, 5);
  EXPECT_GT(point.range.hi, 5);
  const AxisScale none = auto_axis(INFINITY, -INFINITY);  // no data
  EXPECT_DOUBLE_EQ(none.range.lo, 0);
  EXPECT_DOUBLE_EQ(none.range.hi, 1);
}

TEST(SvgChart, FixedAxisKeepsItsRange) {
  const AxisScale a = fixed_axis(0.05, 0.95);  // step 0.2: ticks 0.2 .. 0.8 inside
  EXPECT_DOUBLE_EQ(a.range.lo, 0.05);
  EXPECT_DOUBLE_EQ(a.range.hi, 0.95);
  ASSERT_EQ(a.ticks.size(), 4u);
  EXPECT_NEAR(a.ticks.front(), 0.2, 1e-12);
  EXPECT_NEAR(a.ticks.back(), 0.8, 1e-12);
}

TEST(SvgChart, TickLabelsUseTheStepsDecimals) {
  EXPECT_EQ(format_tick(0.25, 0.05), "0.25");
  EXPECT_EQ(format_tick(0.4, 0.2), "0.4");
  EXPECT_EQ(format_tick(3, 1), "3");
  EXPECT_EQ(format_tick(200, 200), "200");
  EXPECT_EQ(format_tick(-0.0, 0.2), "0.0");
  EXPECT_EQ(format_tick(-1e-17, 0.2), "0.0") << "rounding noise is not negative zero";
  EXPECT_EQ(format_tick(1e-5, 1e-5), "1e-05");
  EXPECT_EQ(format_tick(2e6, 1e6), "2e+06");
}

TEST(SvgChart, MapsDataToThePlotBox) {
  SvgChart chart(400, 300);
  chart.set_x_range(0, 10).set_y_range(-1, 1);
  const SvgChart::Box box = chart.plot_box();
  EXPECT_GT(box.width, 0);
  EXPECT_GT(box.height, 0);
  EXPECT_DOUBLE_EQ(chart.x_to_px(0), box.left);
  EXPECT_DOUBLE_EQ(chart.x_to_px(10), box.left + box.width);
  EXPECT_DOUBLE_EQ(chart.x_to_px(5), box.left + box.width / 2);
  EXPECT_DOUBLE_EQ(chart.y_to_px(1), box.top) << "SVG y grows downwards";
  EXPECT_DOUBLE_EQ(chart.y_to_px(-1), box.top + box.height);
  EXPECT_DOUBLE_EQ(chart.y_to_px(0), box.top + box.height / 2);
}

TEST(SvgChart, RendersSeriesTicksLabelsAndLegend) {
  SvgChart chart(640, 360);
  chart.set_title("Loss <per> epoch & more").set_x_label("epoch").set_y_label("loss").set_id("c1");
  chart.add_series({.name = "train", .x = {1, 2, 3, 4}, .y = {2.0, 1.2, 0.9, 0.7}});
  chart.add_series({.name = "test", .x = {1, 2, 3, 4}, .y = {2.1, NAN, 1.0, 0.8}, .dash = "6 3"});
  chart.add_series({.x = {1, 4}, .y = {1.5, 1.5}, .color = "#000", .line_width = 0, .marker_radius = 2});
  const std::string svg = chart.render();
  EXPECT_EQ(test::markup_problem(svg), "") << svg;
  EXPECT_EQ(elements(svg, "svg").size(), 1u);
  EXPECT_EQ(attribute(elements(svg, "svg")[0], "xmlns"), "http://www.w3.org/2000/svg");

  const auto lines = elements(svg, "polyline");
  ASSERT_EQ(lines.size(), 3u) << "train, then test broken in two by the NaN";
  EXPECT_EQ(attribute(lines[0], "data-series"), "train");
  EXPECT_EQ(test::polyline_points(lines[0]).size(), 4u);
  EXPECT_EQ(test::polyline_points(lines[1]).size(), 1u);
  EXPECT_EQ(test::polyline_points(lines[2]).size(), 2u);
  EXPECT_EQ(attribute(lines[1], "stroke-dasharray"), "6 3");
  EXPECT_EQ(attribute(lines[0], "stroke"), palette_color(0));
  EXPECT_EQ(attribute(lines[1], "stroke"), palette_color(1));
  const auto first = test::polyline_points(lines[0]);
  EXPECT_NEAR(first[0].first, chart.x_to_px(1), 0.006);
  EXPECT_NEAR(first[0].second, chart.y_to_px(2.0), 0.006);
  EXPECT_NEAR(first[3].second, chart.y_to_px(0.7), 0.006);
  EXPECT_EQ(elements(svg, "circle").size(), 2u) << "markers of the unnamed series";

  // x 1..4: raw step 0.6 -> 1, range [1, 4]; y 0.7 .. 2.1: raw 0.28 -> 0.5, range [0.5, 2.5].
  EXPECT_EQ(texts_of_class(svg, "tick-label"),
            (std::vector<std::string>{"1", "2", "3", "4",                    // x
                                      "0.5", "1.0", "1.5", "2.0", "2.5"}));  // y
  EXPECT_EQ(texts_of_class(svg, "axis-label"), (std::vector<std::string>{"epoch", "loss"}));
  EXPECT_EQ(texts_of_class(svg, "legend-entry"), (std::vector<std::string>{"train", "test"}));
  EXPECT_EQ(texts_of_class(svg, "title"), (std::vector<std::string>{"Loss &lt;per&gt; epoch &amp; more"}));
  EXPECT_NE(svg.find("clip-path=\"url(#c1-plot)\""), std::string::npos);
  EXPECT_NE(svg.find("<clipPath id=\"c1-plot\">"), std::string::npos);
}

TEST(SvgChart, IntegerAxisTicksOnWholeNumbers) {
  SvgChart chart;
  chart.set_integer_x().add_series({.name = "lr", .x = {1, 2, 3}, .y = {0.1, 0.05, 0.01}});
  const AxisScale x = chart.x_axis();
  EXPECT_EQ(x.ticks, (std::vector<double>{1, 2, 3}));
  const std::string svg = chart.render();
  const auto labels = texts_of_class(svg, "tick-label");
  ASSERT_GE(labels.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(labels.begin(), labels.begin() + 3),
            (std::vector<std::string>{"1", "2", "3"}));
}

TEST(SvgChart, TheMarkupCheckerCatchesBrokenMarkup) {
  EXPECT_EQ(test::markup_problem(R"(<a x="1"><b/>t &amp; u</a>)"), "");
  EXPECT_NE(test::markup_problem("<a><b></a></b>"), "");
  EXPECT_NE(test::markup_problem("<a><b></b>"), "");
  EXPECT_NE(test::markup_problem("<a x=1></a>"), "");
  EXPECT_NE(test::markup_problem("<a>t & u</a>"), "");
  EXPECT_NE(test::markup_problem("<a>1 < 2</a>"), "");
  EXPECT_NE(test::markup_problem("<a>2 > 1</a>"), "");
}

TEST(SvgChart, RejectsBadInput) {
  SvgChart chart;
  EXPECT_THROW(chart.add_series({.name = "bad", .x = {1, 2}, .y = {1}}), ValueError);
  EXPECT_THROW(chart.set_x_range(1, 1), ValueError);
  EXPECT_THROW(SvgChart(50, 50), ValueError);
  EXPECT_EQ(test::markup_problem(SvgChart().render()), "") << "an empty chart still renders";
}

}  // namespace
}  // namespace minidl::train
