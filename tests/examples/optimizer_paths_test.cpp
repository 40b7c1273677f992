// examples/optimizer_paths: marching squares against closed-form level sets (circle,
// line, a saddle cell), the surfaces' autograd against hand-derived gradients, each
// optimizer's first step against docs/formulas.md, the lecture's claims on the pictures'
// paths (SGD zig-zags, stalls at the saddle where momentum escapes), and the SVG/CSV output.
// (tests/CMakeLists.txt compiles the example's sources but main.cpp into this program.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>

#include "contour.h"
#include "core/error.h"
#include "paths.h"
#include "surfaces.h"
#include "train/markup.h"

namespace minidl::examples {
namespace {

using train::test::attribute;
using train::test::elements;
using train::test::inner_text;
using train::test::markup_problem;

Grid grid_of(double (*f)(double, double), double lo, double hi, int n) {
  Grid g{lo, hi, lo, hi, n, n, {}};
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) g.values.push_back(f(g.x_at(i), g.y_at(j)));
  return g;
}

TEST(MarchingSquares, CircleLevelSetLiesOnTheCircle) {
  const double r = 1.3;
  const Grid g = grid_of([](double x, double y) { return x * x + y * y; }, -2, 2, 41);
  const double h = 0.1;
  const auto lines = contour_lines(g, r * r);
  ASSERT_EQ(lines.size(), 1u) << "one closed curve";
  const std::vector<Point>& line = lines[0];
  ASSERT_GT(line.size(), 40u);
  EXPECT_EQ(line.front().x, line.back().x) << "closed: the first point is repeated";
  EXPECT_EQ(line.front().y, line.back().y);
  // Linear interpolation of x^2 along an edge of length h is off by at most h^2/4 in f,
  // i.e. about h^2/(8r) in radius; allow twice that.
  double area = 0, max_gap = 0;
  for (std::size_t k = 0; k + 1 < line.size(); ++k) {
    EXPECT_NEAR(std::hypot(line[k].x, line[k].y), r, h * h / (4 * r)) << "point " << k;
    area += line[k].x * line[k + 1].y - line[k + 1].x * line[k].y;  // shoelace
    max_gap = std::max(max_gap, std::hypot(line[k + 1].x - line[k].x, line[k + 1].y - line[k].y));
  }
  EXPECT_NEAR(std::abs(area) / 2, std::numbers::pi * r * r, 0.01 * std::numbers::pi * r * r);
  EXPECT_LE(max_gap, h * std::sqrt(2.0) + 1e-12) << "consecutive points lie in one cell";
}

TEST(MarchingSquares, LinearFunctionGivesExactOpenLine) {
  const Grid g = grid_of([](double x, double y) { return x + 2 * y; }, -2, 2, 9);
  const auto lines = contour_lines(g, 1.2);  // crosses no grid vertex
  ASSERT_EQ(lines.size(), 1u);
  for (const Point& p : lines[0]) EXPECT_NEAR(p.x + 2 * p.y, 1.2, 1e-12);
  // Open: it runs from border to border, from (-2, 1.6) to (2, -0.4) in some direction.
  const Point a = lines[0].front(), b = lines[0].back();
  EXPECT_NEAR(std::min(a.x, b.x), -2, 1e-12);
  EXPECT_NEAR(std::max(a.x, b.x), 2, 1e-12);
  EXPECT_EQ(lines[0].size(), 13u) << "one point per crossed grid line: 9 vertical + 4 horizontal";
}

TEST(MarchingSquares, SaddleCellIsSplitByTheCentreValue) {
  // Corners (0,0)=1, (1,0)=0, (1,1)=1, (0,1)=0; centre 0.5 >= level 0.4: the high corners
  // connect through the middle, so the lines cut off the two low corners.
  const Grid g{0, 1, 0, 1, 2, 2, {1, 0, 0, 1}};
  const auto lines = contour_lines(g, 0.4);
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& line : lines) {
    ASSERT_EQ(line.size(), 2u);
    const double cx = (line[0].x + line[1].x) / 2, cy = (line[0].y + line[1].y) / 2;
    const bool near_low_corner = (cx > 0.5 && cy < 0.5) || (cx < 0.5 && cy > 0.5);
    EXPECT_TRUE(near_low_corner) << "segment centred at (" << cx << ", " << cy << ")";
  }
  // Level 0.6: centre below, the low corners connect and the high corners are cut off.
  for (const auto& line : contour_lines(g, 0.6)) {
    const double cx = (line[0].x + line[1].x) / 2, cy = (line[0].y + line[1].y) / 2;
    EXPECT_TRUE((cx < 0.5 && cy < 0.5) || (cx > 0.5 && cy > 0.5)) << "(" << cx << ", " << cy << ")";
  }
}

TEST(MarchingSquares, EmptyLevelsNonFiniteCellsAndBadGrids) {
  const Grid g = grid_of([](double x, double y) { return x * x + y * y; }, -1, 1, 11);
  EXPECT_TRUE(contour_lines(g, 5.0).empty());
  EXPECT_TRUE(contour_lines(g, -1.0).empty());
  Grid holed = g;
  for (double& v : holed.values) v = std::isfinite(v) && v > 0.5 ? NAN : v;  // only the disc r^2 <= 0.5
  EXPECT_TRUE(contour_lines(holed, 0.9).empty());
  EXPECT_FALSE(contour_lines(holed, 0.2).empty());
  EXPECT_THROW(contour_lines(Grid{0, 1, 0, 1, 1, 2, {0, 0}}, 0), ValueError);
  EXPECT_THROW(contour_lines(Grid{0, 1, 0, 1, 2, 2, {0, 0, 0}}, 0), ShapeError);
}

// Hand-derived values and gradients of the three surfaces.
struct Closed {
  double f, dx, dy;
};
Closed closed_form(const std::string& name, double x, double y) {
  if (name == "quadratic") return {0.5 * (x * x + 20 * y * y), x, 20 * y};
  if (name == "saddle") return {x * x - y * y + std::pow(y, 4) / 4, 2 * x, -2 * y + y * y * y};
  const double r = y - x * x;  // rosenbrock
  return {(1 - x) * (1 - x) + 100 * r * r, -2 * (1 - x) - 400 * x * r, 200 * r};
}

TEST(OptimizerPaths, SurfacesMatchClosedFormsOnTheGridAndAlongPaths) {
  for (const Surface& s : lecture_surfaces()) {
    const Grid g = sample(s, 7, 5);
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i)
        EXPECT_NEAR(g.at(i, j), closed_form(s.name, g.x_at(i), g.y_at(j)).f, 1e-9) << s.name;
    const OptimizerSetup sgd{"SGD", Algorithm::kSgd, 1e-4};
    const Path p = run_path(s, sgd, 3);
    ASSERT_EQ(p.x.size(), 4u);
    EXPECT_EQ(p.x[0], s.start.x);
    EXPECT_EQ(p.y[0], s.start.y);
    for (std::size_t k = 0; k < 4; ++k) {
      const Closed c = closed_form(s.name, p.x[k], p.y[k]);
      EXPECT_NEAR(p.loss[k], c.f, 1e-12 * std::max(1.0, std::abs(c.f))) << s.name << " step " << k;
      if (k == 3) break;
      EXPECT_NEAR(p.x[k + 1], p.x[k] - 1e-4 * c.dx, 1e-12) << s.name << " step " << k;  // autograd gradient
      EXPECT_NEAR(p.y[k + 1], p.y[k] - 1e-4 * c.dy, 1e-12) << s.name << " step " << k;
    }
  }
}

TEST(OptimizerPaths, FirstStepOfEachAlgorithmFollowsItsFormula) {
  // On the quadratic from (-9, 2) the gradient is g = (-9, 40). First steps (docs/formulas.md):
  // SGD lr*g; momentum b = g so lr*g; Nesterov g + mu*b = 1.9 g; AdaGrad lr*g/|g| = lr*sign;
  // RMSProp v = 0.01 g^2 so 10 lr*sign; Adam m/sqrt(v) after bias correction = sign.
  const Surface s = ill_conditioned_quadratic();
  const double gx = -9, gy = 40, lr = 0.01;
  const struct {
    Algorithm algorithm;
    double step_x, step_y;
  } cases[] = {{Algorithm::kSgd, lr * gx, lr * gy},
               {Algorithm::kMomentum, lr * gx, lr * gy},
               {Algorithm::kNesterov, 1.9 * lr * gx, 1.9 * lr * gy},
               {Algorithm::kAdagrad, -lr, lr},
               {Algorithm::kRmsprop, -10 * lr, 10 * lr},
               {Algorithm::kAdam, -lr, lr}};
  for (const auto& c : cases) {
    const Path p = run_path(s, {"x", c.algorithm, lr}, 1);
    EXPECT_NEAR(p.x[0] - p.x[1], c.step_x, 1e-7) << static_cast<int>(c.algorithm);
    EXPECT_NEAR(p.y[0] - p.y[1], c.step_y, 1e-7) << static_cast<int>(c.algorithm);
  }
}

TEST(OptimizerPaths, ConvexQuadraticEveryOptimizerEndsNearerAndSgdZigZags) {
  const Surface s = ill_conditioned_quadratic();
  const double start = distance_to_minimum(s, s.start.x, s.start.y);
  for (const Path& p : run_all(s, s.steps)) {
    const double end = distance_to_minimum(s, p.x.back(), p.y.back());
    EXPECT_LT(end, 0.1 * start) << p.optimizer << " ends at (" << p.x.back() << ", " << p.y.back() << ")";
    if (p.optimizer != "SGD") continue;
    for (int k = 0; k < 10; ++k) EXPECT_LT(p.y[k] * p.y[k + 1], 0) << "SGD crosses the valley at every step";
    for (int k = 0; k < 10; ++k) EXPECT_LT(p.x[k], p.x[k + 1]) << "and creeps along it";
  }
}

TEST(OptimizerPaths, SaddleStallsSgdWhileMomentumEscapes) {
  const Surface s = saddle();
  for (const Path& p : run_all(s, s.steps)) {
    const double to_saddle = std::hypot(p.x.back(), p.y.back());
    const double to_minimum = distance_to_minimum(s, p.x.back(), p.y.back());
    if (p.optimizer == "SGD")
      EXPECT_LT(to_saddle, 0.1) << "SGD sits at the saddle";
    else
      EXPECT_LT(to_minimum, 0.3) << p.optimizer << " escapes to a minimum";
  }
}

TEST(OptimizerPaths, SvgIsWellFormedWithOnePathAndLegendEntryPerOptimizer) {
  for (const Surface& s : lecture_surfaces()) {
    const int steps = 30;
    const std::vector<Path> paths = run_all(s, steps);
    const std::string svg = render_svg(s, paths, 81);
    ASSERT_EQ(markup_problem(svg), "") << s.name;
    ASSERT_EQ(elements(svg, "svg").size(), 1u);
    std::vector<std::string> legend;
    for (const std::string& t : elements(svg, "text"))
      if (attribute(t, "class") == "legend-entry") legend.push_back(inner_text(t));
    ASSERT_EQ(legend.size(), s.optimizers.size()) << s.name;
    std::size_t contours = 0;
    for (std::size_t k = 0; k < s.optimizers.size(); ++k) {
      const std::string& name = s.optimizers[k].name;
      EXPECT_EQ(legend[k].rfind(name + " (lr ", 0), 0u) << legend[k];
      int found = 0;
      for (const std::string& line : elements(svg, "polyline")) {
        const std::string series = attribute(line, "data-series");
        if (series.empty() && k == 0) ++contours;
        if (series.rfind(name + " (", 0) != 0) continue;
        ++found;
        EXPECT_EQ(attribute(line, "stroke"), train::palette_color(k)) << name;
        EXPECT_EQ(train::test::polyline_points(line).size(), static_cast<std::size_t>(steps + 1)) << name;
      }
      EXPECT_EQ(found, 1) << s.name << ": " << name;
    }
    EXPECT_GE(contours, s.levels.size() / 2) << s.name << ": contour lines drawn";
  }
}

TEST(OptimizerPaths, CsvHasOneRowPerPointRoundTripping) {
  const std::vector<Surface> surfaces = lecture_surfaces();
  std::ostringstream out;
  write_csv_header(out);
  std::vector<std::vector<Path>> runs;
  for (const Surface& s : surfaces) {
    runs.push_back(run_all(s, 5));
    write_csv_rows(out, s, runs.back());
  }
  std::istringstream in(out.str());
  std::string row;
  std::getline(in, row);
  EXPECT_EQ(row, "function,optimizer,step,x,y,loss");
  for (std::size_t f = 0; f < surfaces.size(); ++f)
    for (const Path& p : runs[f])
      for (std::size_t k = 0; k < 6; ++k) {
        ASSERT_TRUE(std::getline(in, row));
        std::istringstream fields(row);
        std::string function, optimizer, step, x, y, loss;
        std::getline(fields, function, ','), std::getline(fields, optimizer, ','),
            std::getline(fields, step, ',');
        std::getline(fields, x, ','), std::getline(fields, y, ','), std::getline(fields, loss, ',');
        EXPECT_EQ(function, surfaces[f].name);
        EXPECT_EQ(optimizer, p.optimizer);
        EXPECT_EQ(step, std::to_string(k));
        EXPECT_EQ(std::stod(x), p.x[k]) << row;  // %.17g round-trips exactly
        EXPECT_EQ(std::stod(y), p.y[k]) << row;
        EXPECT_EQ(std::stod(loss), p.loss[k]) << row;
      }
  EXPECT_FALSE(std::getline(in, row)) << "no extra rows: " << row;
}

}  // namespace
}  // namespace minidl::examples
