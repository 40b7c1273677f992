// HTML training report built from the metrics records with SvgChart. Only finite
// values are drawn, and a chart whose series are all empty is left out, so a run
// without a test set shows no test curves.
#include "train/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/io/atomic_file.h"
#include "train/svg_chart.h"

namespace minidl::train {
namespace {
std::string fixed(double value, int decimals) {
  char buffer[48];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return buffer;
}

std::string general(double value) {
  char buffer[48];
  std::snprintf(buffer, sizeof(buffer), "%.6g", value);
  return buffer;
}

bool any_finite(const std::vector<EpochRecord>& epochs, double EpochRecord::*field) {
  return std::any_of(epochs.begin(), epochs.end(),
                     [&](const EpochRecord& r) { return std::isfinite(r.*field); });
}

Series epoch_series(const std::vector<EpochRecord>& epochs, const std::string& name,
                    double EpochRecord::*field, double scale, const std::string& color,
                    const std::string& dash = "") {
  Series series{.name = name, .color = color, .marker_radius = epochs.size() <= 60 ? 3.0 : 0.0, .dash = dash};
  for (const EpochRecord& r : epochs) {
    series.x.push_back(static_cast<double>(r.epoch));
    series.y.push_back(r.*field * scale);  // NaN stays NaN: a gap
  }
  return series;
}

std::string epoch_chart(const ReportData& data, const std::string& id, const std::string& title,
                        const std::string& y_label, double scale,
                        const std::vector<std::pair<std::string, double EpochRecord::*>>& fields) {
  SvgChart chart(640, 360);
  chart.set_id(id).set_title(title).set_x_label("epoch").set_y_label(y_label).set_integer_x();
  std::size_t drawn = 0;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (!any_finite(data.epochs, fields[i].second)) continue;
    chart.add_series(epoch_series(data.epochs, fields[i].first, fields[i].second, scale, palette_color(i),
                                  i == 0 ? "" : "6 3"));
    ++drawn;
  }
  return drawn == 0 ? "" : chart.render();
}

std::string row(const std::string& key, const std::string& value) {
  return "<tr><th>" + xml_escape(key) + "</th><td>" + xml_escape(value) + "</td></tr>\n";
}

std::string final_numbers(const std::vector<EpochRecord>& epochs) {
  if (epochs.empty()) return "<p>No epochs recorded.</p>\n";
  const EpochRecord& last = epochs.back();
  std::string rows =
      row("epochs", std::to_string(epochs.size()) + " (last: " + std::to_string(last.epoch) + ")");
  const auto add = [&](const std::string& key, double value, const std::string& text) {
    if (std::isfinite(value)) rows += row(key, text);
  };
  add("train loss", last.train_loss, fixed(last.train_loss, 4));
  add("train accuracy", last.train_acc, fixed(100 * last.train_acc, 2) + "%");
  add("test loss", last.test_loss, fixed(last.test_loss, 4));
  add("test accuracy", last.test_acc, fixed(100 * last.test_acc, 2) + "%");
  const EpochRecord* best = nullptr;
  for (const EpochRecord& r : epochs)
    if (std::isfinite(r.test_acc) && (!best || r.test_acc > best->test_acc)) best = &r;
  if (best)
    rows += row("best test accuracy",
                fixed(100 * best->test_acc, 2) + "% (epoch " + std::to_string(best->epoch) + ")");
  add("final lr", last.lr, general(last.lr));
  double seconds = 0, images_per_s = 0;
  int timed = 0, rated = 0;
  for (const EpochRecord& r : epochs) {
    if (std::isfinite(r.seconds)) seconds += r.seconds, ++timed;
    if (std::isfinite(r.images_per_s)) images_per_s += r.images_per_s, ++rated;
  }
  if (timed > 0) rows += row("training time", fixed(seconds, 1) + " s");
  if (rated > 0) rows += row("mean images/s", fixed(images_per_s / rated, 0));
  for (const auto& [key, value] : last.extra) add(key, value, general(value));
  for (const auto& [key, value] : last.text) rows += row(key, value);
  return "<table class=\"numbers\">\n" + rows + "</table>\n";
}

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:24px;color:#222;max-width:1340px}"
    "h1{font-size:22px}h2{font-size:17px;margin-top:28px}"
    ".charts{display:flex;flex-wrap:wrap;gap:16px}"
    ".charts svg{border:1px solid #ddd;max-width:100%;height:auto}"
    "table{border-collapse:collapse;font-size:14px}"
    "th,td{border:1px solid #ddd;padding:4px 10px;text-align:left}"
    "th{background:#f4f4f4;font-weight:normal}";
}  // namespace

std::pair<std::vector<double>, std::vector<double>> bin_step_loss(const std::vector<double>& loss,
                                                                  std::size_t max_points) {
  std::pair<std::vector<double>, std::vector<double>> out;
  const std::size_t n = loss.size();
  const std::size_t bins = std::min(n, std::max<std::size_t>(max_points, 1));
  for (std::size_t b = 0; b < bins; ++b) {
    const std::size_t begin = b * n / bins, end = (b + 1) * n / bins;
    double sum = 0;
    std::size_t count = 0;
    for (std::size_t i = begin; i < end; ++i)
      if (std::isfinite(loss[i])) sum += loss[i], ++count;
    // Steps begin..end-1 are numbered begin+1..end; their centre is (begin + 1 + end) / 2.
    out.first.push_back(static_cast<double>(begin + 1 + end) / 2.0);
    out.second.push_back(count ? sum / static_cast<double>(count) : std::nan(""));
  }
  return out;
}

std::string render_report(const ReportData& data) {
  std::string charts;
  charts += epoch_chart(data, "loss", "Loss", "loss", 1.0,
                        {{"train loss", &EpochRecord::train_loss}, {"test loss", &EpochRecord::test_loss}});
  charts +=
      epoch_chart(data, "accuracy", "Accuracy", "accuracy (%)", 100.0,
                  {{"train accuracy", &EpochRecord::train_acc}, {"test accuracy", &EpochRecord::test_acc}});
  charts += epoch_chart(data, "lr", "Learning rate", "learning rate", 1.0, {{"lr", &EpochRecord::lr}});
  if (!data.step_loss.empty()) {
    auto [x, y] = bin_step_loss(data.step_loss);
    SvgChart chart(1296, 360);
    chart.set_id("step-loss").set_x_label("step").set_y_label("loss").set_integer_x();
    chart.set_title(x.size() < data.step_loss.size() ? "Training loss per step (bin means)"
                                                     : "Training loss per step");
    chart.add_series({.name = "train loss", .x = std::move(x), .y = std::move(y), .line_width = 1.25});
    charts += chart.render();
  }
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n";
  html += "<title>" + xml_escape(data.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  html += "<h1>" + xml_escape(data.title) + "</h1>\n";
  html += "<div class=\"charts\">\n" + charts + "</div>\n";
  html += "<h2>Final numbers</h2>\n" + final_numbers(data.epochs);
  if (!data.config.empty()) {
    html += "<h2>Configuration</h2>\n<table class=\"config\">\n";
    for (const auto& [key, value] : data.config) html += row(key, value);
    html += "</table>\n";
  }
  return html + "</body>\n</html>\n";
}

void write_report(const std::string& path, const ReportData& data) {
  const std::string html = render_report(data);
  io::atomic_write(path, [&](std::ostream& out) { out << html; });
}

}  // namespace minidl::train
