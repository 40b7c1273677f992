// Runs minidl's own optimizers on a 2-D surface (each step: zero_grad, loss = f(x, y),
// backward, step, on two one-element float64 parameters) and writes what they did:
// a CSV of the paths and an SVG of contour lines with one polyline per optimizer.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "optim/optimizer.h"
#include "surfaces.h"

namespace minidl::examples {

/// Where one optimizer went: x[k], y[k], loss[k] = f(x[k], y[k]) after k steps (k = 0..steps).
struct Path {
  std::string optimizer;
  std::vector<double> x, y, loss;
};

std::unique_ptr<optim::Optimizer> make_optimizer(const OptimizerSetup& setup, std::vector<Tensor> params);
/// `steps` updates from surface.start.
Path run_path(const Surface& surface, const OptimizerSetup& setup, int steps);
/// Every optimizer of the surface, in its order.
std::vector<Path> run_all(const Surface& surface, int steps);

/// Distance from (x, y) to the nearest of the surface's minima.
double distance_to_minimum(const Surface& surface, double x, double y);
/// f over an nx x ny grid spanning the surface's box, evaluated with minidl's ops.
Grid sample(const Surface& surface, int nx, int ny);

/// The SVG picture: contour lines (marching squares over grid_size samples along x), the paths
/// in palette colours with a legend giving each lr, the minima (rings), each path's end (a dot in
/// its colour), the start (black dot), axes with ticks.
std::string render_svg(const Surface& surface, const std::vector<Path>& paths, int grid_size = 801);

/// "function,optimizer,step,x,y,loss"
void write_csv_header(std::ostream& out);
/// One row per path point.
void write_csv_rows(std::ostream& out, const Surface& surface, const std::vector<Path>& paths);

}  // namespace minidl::examples
