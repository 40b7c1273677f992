// The optimizer runs, the grid sampling and the SVG/CSV output. The SVG is a
// train::SvgChart with the box fixed to the surface's range and the pixel size chosen
// so one unit of x and of y have the same length (ellipses look like ellipses).
#include "paths.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/autograd.h"
#include "core/error.h"
#include "optim/algorithms.h"

namespace minidl::examples {
namespace {

Tensor scalar_param(double value) {
  Tensor t = from_vector<double>({value});
  t.requires_grad_();
  return t;
}

std::string lr_text(double lr) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", lr);
  return buffer;
}

}  // namespace

std::unique_ptr<optim::Optimizer> make_optimizer(const OptimizerSetup& setup, std::vector<Tensor> params) {
  switch (setup.algorithm) {
    case Algorithm::kSgd:
      return std::make_unique<optim::SGD>(std::move(params), optim::SGDOptions{.lr = setup.lr});
    case Algorithm::kMomentum:
      return std::make_unique<optim::SGD>(std::move(params),
                                          optim::SGDOptions{.lr = setup.lr, .momentum = setup.momentum});
    case Algorithm::kNesterov:
      return std::make_unique<optim::SGD>(
          std::move(params), optim::SGDOptions{.lr = setup.lr, .momentum = setup.momentum, .nesterov = true});
    case Algorithm::kAdagrad:
      return std::make_unique<optim::Adagrad>(std::move(params), optim::AdagradOptions{.lr = setup.lr});
    case Algorithm::kRmsprop:
      return std::make_unique<optim::RMSprop>(std::move(params), optim::RMSpropOptions{.lr = setup.lr});
    case Algorithm::kAdam:
      return std::make_unique<optim::Adam>(std::move(params), optim::AdamOptions{.lr = setup.lr});
  }
  throw ValueError("make_optimizer: unknown algorithm for '" + setup.name + "'");
}

Path run_path(const Surface& surface, const OptimizerSetup& setup, int steps) {
  MINIDL_CHECK(steps >= 0, ValueError, "run_path: steps must be >= 0, got ", steps);
  const Tensor x = scalar_param(surface.start.x), y = scalar_param(surface.start.y);
  const auto optimizer = make_optimizer(setup, {x, y});
  Path path{setup.name, {}, {}, {}};
  const auto record = [&](const Tensor& loss) {
    path.x.push_back(x.item()), path.y.push_back(y.item()), path.loss.push_back(loss.item());
  };
  for (int k = 0; k < steps; ++k) {
    optimizer->zero_grad();
    const Tensor loss = surface.f(x, y);
    record(loss);  // the point this step starts from
    loss.backward();
    optimizer->step();
  }
  autograd::NoGradGuard no_grad;
  record(surface.f(x, y));
  return path;
}

std::vector<Path> run_all(const Surface& surface, int steps) {
  std::vector<Path> paths;
  for (const OptimizerSetup& setup : surface.optimizers) paths.push_back(run_path(surface, setup, steps));
  return paths;
}

double distance_to_minimum(const Surface& surface, double x, double y) {
  double best = std::numeric_limits<double>::infinity();
  for (const Point& m : surface.minima) best = std::min(best, std::hypot(x - m.x, y - m.y));
  return best;
}

Grid sample(const Surface& surface, int nx, int ny) {
  Grid grid{surface.x_range.lo, surface.x_range.hi, surface.y_range.lo, surface.y_range.hi, nx, ny, {}};
  std::vector<double> xs(nx), ys(ny);
  for (int i = 0; i < nx; ++i) xs[i] = grid.x_at(i);
  for (int j = 0; j < ny; ++j) ys[j] = grid.y_at(j);
  autograd::NoGradGuard no_grad;
  const Tensor values =
      surface.f(from_vector(xs, {1, nx}), from_vector(ys, {ny, 1}));  // [ny, nx], row j = y_j
  grid.values = values.contiguous().to_vector<double>();
  return grid;
}

std::string render_svg(const Surface& surface, const std::vector<Path>& paths, int grid_size) {
  const double x_span = surface.x_range.hi - surface.x_range.lo,
               y_span = surface.y_range.hi - surface.y_range.lo;
  const double plot_width = 600, plot_height = std::clamp(plot_width * y_span / x_span, 240.0, 640.0);
  train::SvgChart chart(static_cast<int>(plot_width) + 80, static_cast<int>(plot_height) + 84);  // + frame
  chart.set_title(surface.title).set_x_label("x").set_y_label("y").set_id(surface.name);
  chart.set_x_range(surface.x_range.lo, surface.x_range.hi)
      .set_y_range(surface.y_range.lo, surface.y_range.hi);

  const double x_px = plot_width / x_span, y_px = plot_height / y_span;  // pixels per unit
  const int ny = std::max(2, static_cast<int>(std::lround(grid_size * y_span / x_span)));
  const Grid grid = sample(surface, grid_size, ny);
  for (double level : surface.levels)
    for (const std::vector<Point>& line : contour_lines(grid, level)) {
      train::Series s{.color = "#b8b8b8", .line_width = 0.8};
      // A fine grid gives many points per pixel; keep one every ~1.5 px (and the last).
      for (std::size_t k = 0; k < line.size(); ++k)
        if (k == 0 || k + 1 == line.size() ||
            std::hypot((line[k].x - s.x.back()) * x_px, (line[k].y - s.y.back()) * y_px) >= 1.5)
          s.x.push_back(line[k].x), s.y.push_back(line[k].y);
      chart.add_series(std::move(s));
    }

  for (std::size_t k = 0; k < paths.size(); ++k) {
    const Path& p = paths[k];
    std::string name = p.optimizer;
    for (const OptimizerSetup& setup : surface.optimizers)
      if (setup.name == p.optimizer) name += " (lr " + lr_text(setup.lr) + ")";
    // Dots show the step lengths where they can still be told apart.
    chart.add_series({.name = name,
                      .x = p.x,
                      .y = p.y,
                      .color = train::palette_color(k),
                      .line_width = 1.6,
                      .marker_radius = p.x.size() <= 201 ? 1.8 : 0.0});
  }
  // Minima as rings, then each path's end on top of all lines (paths often overlap: they
  // all follow a valley), then the start.
  for (const Point& m : surface.minima) {
    chart.add_series({.x = {m.x}, .y = {m.y}, .color = "black", .line_width = 0, .marker_radius = 7});
    chart.add_series({.x = {m.x}, .y = {m.y}, .color = "white", .line_width = 0, .marker_radius = 5.5});
  }
  for (std::size_t k = 0; k < paths.size(); ++k) {
    const std::vector<double> x = {paths[k].x.back()}, y = {paths[k].y.back()};
    chart.add_series({.x = x, .y = y, .color = "black", .line_width = 0, .marker_radius = 5});
    chart.add_series(
        {.x = x, .y = y, .color = train::palette_color(k), .line_width = 0, .marker_radius = 3.5});
  }
  chart.add_series({.x = {surface.start.x},
                    .y = {surface.start.y},
                    .color = "black",
                    .line_width = 0,
                    .marker_radius = 4});
  return chart.render();
}

void write_csv_header(std::ostream& out) { out << "function,optimizer,step,x,y,loss\n"; }

void write_csv_rows(std::ostream& out, const Surface& surface, const std::vector<Path>& paths) {
  char buffer[160];
  for (const Path& p : paths)
    for (std::size_t k = 0; k < p.x.size(); ++k) {
      std::snprintf(buffer, sizeof(buffer), ",%zu,%.17g,%.17g,%.17g\n", k, p.x[k], p.y[k], p.loss[k]);
      out << surface.name << ',' << p.optimizer << buffer;
    }
}

}  // namespace minidl::examples
