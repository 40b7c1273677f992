// The surfaces and their learning rates. Rates were picked by running the example and
// looking at the pictures; each comment says what the rate is meant to show.
#include "surfaces.h"

#include <cmath>

#include "core/ops/elementwise.h"

namespace minidl::examples {
namespace {

std::vector<double> geometric_levels(double lo, double factor, int count) {
  std::vector<double> levels;
  for (int k = 0; k < count; ++k) levels.push_back(lo * std::pow(factor, k));
  return levels;
}

}  // namespace

Surface ill_conditioned_quadratic() {
  Surface s;
  s.name = "quadratic";
  s.title = "Ill-conditioned quadratic f = 0.5 (x² + 20 y²)";
  s.f = [](const Tensor& x, const Tensor& y) { return 0.5 * (pow(x, 2.0) + 20.0 * pow(y, 2.0)); };
  s.start = {-9, 2};
  s.minima = {{0, 0}};
  s.x_range = {-10, 4};
  s.y_range = {-3, 5.5};                                          // room above the paths for the legend
  for (int k = 1; k <= 26; ++k) s.levels.push_back(0.5 * k * k);  // ellipses evenly spaced along x
  s.steps = 60;
  s.optimizers = {
      // Near the stability limit 2/20 of the steep direction: every step overshoots the
      // valley floor by 80% (zig-zag) while x shrinks only 9% a step.
      {"SGD", Algorithm::kSgd, 0.09},
      // Effective lr 0.02/(1 - 0.9) = 0.2 along the shallow x: it builds up speed along the
      // valley, overshoots the minimum and swings back.
      {"SGD+Momentum", Algorithm::kMomentum, 0.02},
      {"Nesterov", Algorithm::kNesterov, 0.02},  // the same, with less overshoot
      // Per-coordinate scaling makes the first steps equal in x and y (lr * sign(g)).
      {"AdaGrad", Algorithm::kAdagrad, 1.5},
      {"RMSProp", Algorithm::kRmsprop, 0.3},  // first step 10x lr (v starts at 0)
      // Its steps stay ~lr long near the minimum (m/sqrt(v) ~ 1), so it hovers around it.
      {"Adam", Algorithm::kAdam, 0.5},
  };
  return s;
}

Surface saddle() {
  Surface s;
  s.name = "saddle";
  s.title = "Saddle f = x² - y² + y⁴/4 (saddle at 0, minima at y = ±√2)";
  s.f = [](const Tensor& x, const Tensor& y) { return pow(x, 2.0) - pow(y, 2.0) + 0.25 * pow(y, 4.0); };
  s.start = {-1.5, 1e-3};
  s.minima = {{0, std::sqrt(2.0)}, {0, -std::sqrt(2.0)}};
  s.x_range = {-2, 2};
  s.y_range = {-1, 2.2};
  for (int k = -4; k <= 12; ++k) s.levels.push_back(0.25 * k);
  s.steps = 100;
  s.optimizers = {
      // Starting 1e-3 off the ridge line the pull along y is ~2e-3: plain SGD slides into
      // the saddle and sits there (y grows only 4% a step).
      {"SGD", Algorithm::kSgd, 0.02},
      // The same lr with momentum: the tiny push compounds (~17% a step) and it escapes.
      {"SGD+Momentum", Algorithm::kMomentum, 0.02},
      {"Nesterov", Algorithm::kNesterov, 0.02},
      // Dividing by the gradient's own size turns the tiny y pull into a full step: all
      // three adaptive methods leave at once; AdaGrad's steps then keep shrinking.
      {"AdaGrad", Algorithm::kAdagrad, 0.1},
      {"RMSProp", Algorithm::kRmsprop, 0.03},
      {"Adam", Algorithm::kAdam, 0.05},
  };
  return s;
}

Surface rosenbrock() {
  Surface s;
  s.name = "rosenbrock";
  s.title = "Rosenbrock f = (1 - x)² + 100 (y - x²)²";
  s.f = [](const Tensor& x, const Tensor& y) {
    return pow(1.0 - x, 2.0) + 100.0 * pow(y - pow(x, 2.0), 2.0);
  };
  s.start = {-1.5, 2.5};
  s.minima = {{1, 1}};
  s.x_range = {-2, 2};
  s.y_range = {-1, 3.5};
  s.levels = geometric_levels(0.1, std::sqrt(10.0), 11);  // 0.1 .. 1e4, two per decade
  s.steps = 2000;
  s.optimizers = {
      // Small enough not to bounce off the steep walls (curvature ~1700 at the start):
      // it reaches the valley floor, then crawls along it.
      {"SGD", Algorithm::kSgd, 5e-4},
      // Momentum (effective lr 2e-3) carries speed along the curved floor.
      {"SGD+Momentum", Algorithm::kMomentum, 2e-4},
      {"Nesterov", Algorithm::kNesterov, 2e-4},
      // The accumulated squared gradients of the steep descent freeze AdaGrad half way.
      {"AdaGrad", Algorithm::kAdagrad, 0.3},
      {"RMSProp", Algorithm::kRmsprop, 0.01},  // forgets the walls; bursts across the floor
      {"Adam", Algorithm::kAdam, 0.05},        // reaches (1, 1)
  };
  return s;
}

std::vector<Surface> lecture_surfaces() { return {ill_conditioned_quadratic(), saddle(), rosenbrock()}; }

}  // namespace minidl::examples
