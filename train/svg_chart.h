// Small self-contained SVG line charts: series as polylines (and/or markers), axes
// with "nice" ticks (steps of 1, 2 or 5 x 10^k), tick labels, axis labels, a title
// and a legend. Used by the training report and reusable for other plots (contour
// lines and optimizer paths are series without a legend entry).
#pragma once

#include <string>
#include <vector>

namespace minidl::train {

struct Range {
  double lo = 0, hi = 1;
};

/// An axis: its rendered range and tick positions (multiples of `step` within the range).
struct AxisScale {
  Range range;
  double step = 0;
  std::vector<double> ticks;
};

/// The tick step for [lo, hi] giving at most about `max_ticks` ticks: 1, 2 or 5 x 10^k.
double nice_step(double lo, double hi, int max_ticks = 6);
/// Multiples of `step` inside [lo, hi] (tolerating rounding at the ends).
std::vector<double> ticks_in(double lo, double hi, double step);
/// The data extent [lo, hi] widened outward to whole tick steps (a point range gets some room).
AxisScale auto_axis(double lo, double hi, int max_ticks = 6);
/// Ticks for a fixed range (the range itself is kept).
AxisScale fixed_axis(double lo, double hi, int max_ticks = 6);
/// A tick label with as many decimals as the step needs ("0.25", "1e-05", "-3").
std::string format_tick(double value, double step);
/// Escapes &, <, >, " and ' for XML text and attributes.
std::string xml_escape(const std::string& text);
/// A colour of the Tableau-10 palette, cycling.
const std::string& palette_color(std::size_t index);

struct Series {
  std::string name = {};               // legend text; empty: no legend entry
  std::vector<double> x = {}, y = {};  // same length; a non-finite point breaks the line
  std::string color = {};              // any CSS colour; empty: the next palette colour
  double line_width = 2.0;             // 0: no line
  double marker_radius = 0;            // > 0: a circle at each point
  std::string dash = {};               // SVG stroke-dasharray ("6 3"); empty: solid
};

class SvgChart {
 public:
  explicit SvgChart(int width = 640, int height = 360);

  SvgChart& set_title(std::string title);
  SvgChart& set_x_label(std::string label);
  SvgChart& set_y_label(std::string label);
  /// Prefix of the ids inside the SVG; give each chart of one HTML page its own.
  SvgChart& set_id(std::string id);
  /// Fixed ranges (otherwise the data's extent, widened to nice ticks); points outside are clipped.
  SvgChart& set_x_range(double lo, double hi);
  SvgChart& set_y_range(double lo, double hi);
  /// Ticks on whole numbers only (epochs, steps).
  SvgChart& set_integer_x(bool on = true);
  SvgChart& add_series(Series series);

  AxisScale x_axis() const;
  AxisScale y_axis() const;
  struct Box {
    double left, top, width, height;
  };
  /// The plotting area in pixels.
  Box plot_box() const;
  /// Data coordinates to pixels (y grows downwards in SVG).
  double x_to_px(double x) const;
  double y_to_px(double y) const;
  const std::vector<Series>& series() const { return series_; }

  /// One <svg> element (with xmlns), ready to inline into HTML or save as a .svg file.
  std::string render() const;

 private:
  struct Frame {
    AxisScale xs, ys;
    Box box;
    double px(double x) const;
    double py(double y) const;
  };
  Frame frame() const;
  Range data_extent(bool x) const;
  std::string render_axes(const Frame& f) const;
  std::string render_series(const Frame& f) const;
  std::string render_legend() const;

  int width_, height_;
  std::string title_, x_label_, y_label_, id_ = "chart";
  bool fixed_x_ = false, fixed_y_ = false, integer_x_ = false;
  Range x_range_, y_range_;
  std::vector<Series> series_;
};

}  // namespace minidl::train
