// SVG line charts. Ticks follow Heckbert's "nice numbers" (Graphics Gems, 1990):
// step = {1, 2, 5, 10} x 10^floor(log10(span / (max_ticks - 1))), ticks at k * step.
// Numbers are printed with snprintf so the output never depends on the locale.
#include "train/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/error.h"

namespace minidl::train {
namespace {
// Layout of the frame around the plot area, in pixels.
constexpr double kLeft = 64, kRight = 16, kTop = 36, kBottom = 48;

std::string num(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.2f", value);
  std::string text = buffer;
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text == "-0" ? "0" : text;
}
}  // namespace

double nice_step(double lo, double hi, int max_ticks) {
  const double span = hi - lo;
  MINIDL_CHECK(std::isfinite(span) && span > 0 && max_ticks >= 2, ValueError,
               "nice_step: needs lo < hi (got ", lo, ", ", hi, ") and max_ticks >= 2 (got ", max_ticks, ")");
  const double raw = span / (max_ticks - 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double normalized = raw / magnitude;
  const double factor = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10;
  return factor * magnitude;
}

std::vector<double> ticks_in(double lo, double hi, double step) {
  std::vector<double> ticks;
  const double slack = 1e-9;
  for (auto k = static_cast<int64_t>(std::ceil(lo / step - slack)); k <= std::floor(hi / step + slack); ++k)
    ticks.push_back(k == 0 ? 0.0 : static_cast<double>(k) * step);
  return ticks;
}

AxisScale auto_axis(double lo, double hi, int max_ticks) {
  if (!(lo <= hi) || !std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;  // no data
  if (lo == hi) {
    const double room = lo == 0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= room, hi += room;
  }
  const double step = nice_step(lo, hi, max_ticks);
  const double slack = 1e-9;
  AxisScale axis{{std::floor(lo / step + slack) * step, std::ceil(hi / step - slack) * step}, step, {}};
  axis.ticks = ticks_in(axis.range.lo, axis.range.hi, step);
  return axis;
}

AxisScale fixed_axis(double lo, double hi, int max_ticks) {
  const double step = nice_step(lo, hi, max_ticks);
  return {{lo, hi}, step, ticks_in(lo, hi, step)};
}

std::string format_tick(double value, double step) {
  char buffer[32];
  const double magnitude = std::max(std::abs(value), step);
  if (magnitude >= 1e6 || step < 1e-4) {
    std::snprintf(buffer, sizeof(buffer), "%.3g", value);
  } else {
    const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  }
  std::string text = buffer;
  if (text.find_first_not_of("-0.") == std::string::npos && text[0] == '-') text.erase(0, 1);  // no "-0"
  return text;
}

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

const std::string& palette_color(std::size_t index) {
  static const std::string kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return kColors[index % std::size(kColors)];
}

SvgChart::SvgChart(int width, int height) : width_(width), height_(height) {
  MINIDL_CHECK(width > kLeft + kRight + 10 && height > kTop + kBottom + 10, ValueError, "SvgChart: ", width,
               "x", height, " pixels leaves no room to plot");
}

SvgChart& SvgChart::set_title(std::string title) { return title_ = std::move(title), *this; }
SvgChart& SvgChart::set_x_label(std::string label) { return x_label_ = std::move(label), *this; }
SvgChart& SvgChart::set_y_label(std::string label) { return y_label_ = std::move(label), *this; }
SvgChart& SvgChart::set_id(std::string id) { return id_ = std::move(id), *this; }

SvgChart& SvgChart::set_x_range(double lo, double hi) {
  MINIDL_CHECK(lo < hi, ValueError, "SvgChart: x range needs lo < hi, got [", lo, ", ", hi, "]");
  fixed_x_ = true, x_range_ = {lo, hi};
  return *this;
}

SvgChart& SvgChart::set_y_range(double lo, double hi) {
  MINIDL_CHECK(lo < hi, ValueError, "SvgChart: y range needs lo < hi, got [", lo, ", ", hi, "]");
  fixed_y_ = true, y_range_ = {lo, hi};
  return *this;
}

SvgChart& SvgChart::set_integer_x(bool on) { return integer_x_ = on, *this; }

SvgChart& SvgChart::add_series(Series series) {
  MINIDL_CHECK(series.x.size() == series.y.size(), ValueError, "SvgChart: series '", series.name, "' has ",
               series.x.size(), " x values and ", series.y.size(), " y values");
  if (series.color.empty()) series.color = palette_color(series_.size());
  series_.push_back(std::move(series));
  return *this;
}

Range SvgChart::data_extent(bool x) const {
  Range extent{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  for (const Series& s : series_)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      const double v = x ? s.x[i] : s.y[i];
      extent.lo = std::min(extent.lo, v), extent.hi = std::max(extent.hi, v);
    }
  return extent;
}

AxisScale SvgChart::x_axis() const {
  const Range r = fixed_x_ ? x_range_ : data_extent(true);
  AxisScale axis = fixed_x_ ? fixed_axis(r.lo, r.hi) : auto_axis(r.lo, r.hi);
  if (integer_x_ && axis.step < 1) {
    if (!fixed_x_) axis.range = {std::floor(axis.range.lo), std::ceil(axis.range.hi)};
    axis.step = 1;
    axis.ticks = ticks_in(axis.range.lo, axis.range.hi, 1);
  }
  return axis;
}

AxisScale SvgChart::y_axis() const {
  if (fixed_y_) return fixed_axis(y_range_.lo, y_range_.hi);
  const Range extent = data_extent(false);
  return auto_axis(extent.lo, extent.hi);
}

SvgChart::Box SvgChart::plot_box() const {
  return {kLeft, kTop, width_ - kLeft - kRight, height_ - kTop - kBottom};
}

SvgChart::Frame SvgChart::frame() const { return {x_axis(), y_axis(), plot_box()}; }

double SvgChart::Frame::px(double x) const {
  return box.left + (x - xs.range.lo) / (xs.range.hi - xs.range.lo) * box.width;
}

double SvgChart::Frame::py(double y) const {
  return box.top + (ys.range.hi - y) / (ys.range.hi - ys.range.lo) * box.height;
}

double SvgChart::x_to_px(double x) const { return frame().px(x); }
double SvgChart::y_to_px(double y) const { return frame().py(y); }

std::string SvgChart::render_axes(const Frame& f) const {
  const Box& b = f.box;
  const AxisScale &xs = f.xs, &ys = f.ys;
  const double right = b.left + b.width, bottom = b.top + b.height;
  std::string out = "<g class=\"grid\" stroke=\"#e6e6e6\" stroke-width=\"1\">\n";
  for (double t : xs.ticks)
    out += "<line x1=\"" + num(f.px(t)) + "\" y1=\"" + num(b.top) + "\" x2=\"" + num(f.px(t)) + "\" y2=\"" +
           num(bottom) + "\"/>\n";
  for (double t : ys.ticks)
    out += "<line x1=\"" + num(b.left) + "\" y1=\"" + num(f.py(t)) + "\" x2=\"" + num(right) + "\" y2=\"" +
           num(f.py(t)) + "\"/>\n";
  out += "</g>\n<rect class=\"frame\" x=\"" + num(b.left) + "\" y=\"" + num(b.top) + "\" width=\"" +
         num(b.width) + "\" height=\"" + num(b.height) + "\" fill=\"none\" stroke=\"#444\"/>\n";
  out += "<g class=\"x-ticks\" text-anchor=\"middle\">\n";
  for (double t : xs.ticks)
    out += "<line x1=\"" + num(f.px(t)) + "\" y1=\"" + num(bottom) + "\" x2=\"" + num(f.px(t)) + "\" y2=\"" +
           num(bottom + 5) + "\" stroke=\"#444\"/><text class=\"tick-label\" x=\"" + num(f.px(t)) +
           "\" y=\"" + num(bottom + 18) + "\">" + xml_escape(format_tick(t, xs.step)) + "</text>\n";
  out += "</g>\n<g class=\"y-ticks\" text-anchor=\"end\">\n";
  for (double t : ys.ticks)
    out += "<line x1=\"" + num(b.left - 5) + "\" y1=\"" + num(f.py(t)) + "\" x2=\"" + num(b.left) +
           "\" y2=\"" + num(f.py(t)) + "\" stroke=\"#444\"/><text class=\"tick-label\" x=\"" +
           num(b.left - 8) + "\" y=\"" + num(f.py(t) + 4) + "\">" + xml_escape(format_tick(t, ys.step)) +
           "</text>\n";
  out += "</g>\n";
  if (!x_label_.empty())
    out += "<text class=\"axis-label\" x=\"" + num(b.left + b.width / 2) + "\" y=\"" + num(height_ - 10.0) +
           "\" text-anchor=\"middle\">" + xml_escape(x_label_) + "</text>\n";
  if (!y_label_.empty()) {
    const std::string cx = num(16), cy = num(b.top + b.height / 2);
    out += "<text class=\"axis-label\" x=\"" + cx + "\" y=\"" + cy +
           "\" text-anchor=\"middle\" transform=\"rotate(-90 " + cx + " " + cy + ")\">" +
           xml_escape(y_label_) + "</text>\n";
  }
  return out;
}

std::string SvgChart::render_series(const Frame& f) const {
  std::string out = "<g clip-path=\"url(#" + xml_escape(id_) + "-plot)\">\n";
  for (const Series& s : series_) {
    const std::string name = xml_escape(s.name), color = xml_escape(s.color);
    if (s.line_width > 0) {
      std::string points;
      const auto flush = [&] {
        if (!points.empty())
          out += "<polyline class=\"series\" data-series=\"" + name + "\" fill=\"none\" stroke=\"" + color +
                 "\" stroke-width=\"" + num(s.line_width) + "\" stroke-linejoin=\"round\"" +
                 (s.dash.empty() ? "" : " stroke-dasharray=\"" + xml_escape(s.dash) + "\"") + " points=\"" +
                 points + "\"/>\n";
        points.clear();
      };
      for (std::size_t i = 0; i < s.x.size(); ++i) {
        if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
          flush();
          continue;
        }
        if (!points.empty()) points += ' ';
        points += num(f.px(s.x[i]));
        points += ',';
        points += num(f.py(s.y[i]));
      }
      flush();
    }
    if (s.marker_radius > 0)
      for (std::size_t i = 0; i < s.x.size(); ++i)
        if (std::isfinite(s.x[i]) && std::isfinite(s.y[i]))
          out += "<circle class=\"marker\" data-series=\"" + name + "\" cx=\"" + num(f.px(s.x[i])) +
                 "\" cy=\"" + num(f.py(s.y[i])) + "\" r=\"" + num(s.marker_radius) + "\" fill=\"" + color +
                 "\"/>\n";
  }
  return out + "</g>\n";
}

std::string SvgChart::render_legend() const {
  std::vector<const Series*> named;
  for (const Series& s : series_)
    if (!s.name.empty()) named.push_back(&s);
  if (named.empty()) return "";
  std::size_t longest = 0;
  for (const Series* s : named) longest = std::max(longest, s->name.size());
  const Box b = plot_box();
  const double w = 40 + 7.0 * static_cast<double>(longest), h = 8 + 18.0 * static_cast<double>(named.size());
  const double x = b.left + b.width - w - 8, y = b.top + 8;
  std::string out = "<g class=\"legend\">\n<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" +
                    num(w) + "\" height=\"" + num(h) +
                    "\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n";
  for (std::size_t i = 0; i < named.size(); ++i) {
    const double row = y + 16 + 18.0 * static_cast<double>(i);
    const Series& s = *named[i];
    out += "<line x1=\"" + num(x + 6) + "\" y1=\"" + num(row - 4) + "\" x2=\"" + num(x + 28) + "\" y2=\"" +
           num(row - 4) + "\" stroke=\"" + xml_escape(s.color) + "\" stroke-width=\"" +
           num(std::max(s.line_width, 2.0)) + "\"" +
           (s.dash.empty() ? "" : " stroke-dasharray=\"" + xml_escape(s.dash) + "\"") +
           "/><text class=\"legend-entry\" x=\"" + num(x + 34) + "\" y=\"" + num(row) + "\">" +
           xml_escape(s.name) + "</text>\n";
  }
  return out + "</g>\n";
}

std::string SvgChart::render() const {
  const Frame f = frame();
  const Box& b = f.box;
  const std::string w = std::to_string(width_), h = std::to_string(height_);
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"" + xml_escape(id_) + "\" width=\"" + w +
                    "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h +
                    "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  out += "<defs><clipPath id=\"" + xml_escape(id_) + "-plot\"><rect x=\"" + num(b.left) + "\" y=\"" +
         num(b.top) + "\" width=\"" + num(b.width) + "\" height=\"" + num(b.height) +
         "\"/></clipPath></defs>\n";
  out += "<rect width=\"" + w + "\" height=\"" + h + "\" fill=\"white\"/>\n";
  if (!title_.empty())
    out += "<text class=\"title\" x=\"" + num(width_ / 2.0) +
           "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">" + xml_escape(title_) +
           "</text>\n";
  out += render_axes(f) + render_series(f) + render_legend();
  return out + "</svg>\n";
}

}  // namespace minidl::train
