// The three 2-D loss surfaces of the lecture's optimizer pictures (Training Neural
// Networks II), written with minidl's differentiable ops, and the optimizers run on
// each with learning rates chosen so the picture makes the lecture's point.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "contour.h"
#include "core/tensor.h"
#include "train/svg_chart.h"

namespace minidl::examples {

enum class Algorithm { kSgd, kMomentum, kNesterov, kAdagrad, kRmsprop, kAdam };

/// One optimizer run: torch.optim semantics, defaults except lr (and momentum for SGD).
struct OptimizerSetup {
  std::string name;
  Algorithm algorithm = Algorithm::kSgd;
  double lr = 0.01;
  double momentum = 0.9;  // SGD with momentum / Nesterov only
};

/// f(x, y) element-wise with broadcasting: the same function gives the loss of two
/// one-element parameters and the values over a grid ([1, nx] x [ny, 1] -> [ny, nx]).
using Function2d = std::function<Tensor(const Tensor& x, const Tensor& y)>;

struct Surface {
  std::string name;   // file stem and CSV key: "quadratic"
  std::string title;  // chart title, with the formula
  Function2d f;
  Point start;
  std::vector<Point> minima;      // distances are to the nearest one
  train::Range x_range, y_range;  // the plotted box
  std::vector<double> levels;     // contour levels
  int steps = 100;                // default number of optimizer steps
  std::vector<OptimizerSetup> optimizers;
};

/// f = 0.5*(x^2 + 20 y^2): curvature 20x larger along y than along x.
Surface ill_conditioned_quadratic();
/// f = x^2 - y^2 + y^4/4: a saddle at the origin (minima at (0, +-sqrt 2) keep paths finite).
Surface saddle();
/// f = (1 - x)^2 + 100 (y - x^2)^2: a curved, flat-bottomed valley, minimum at (1, 1).
Surface rosenbrock();
/// The three, in that order.
std::vector<Surface> lecture_surfaces();

}  // namespace minidl::examples
