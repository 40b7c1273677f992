// Contour lines of a function sampled on a regular grid, by marching squares
// (Lorensen & Cline's marching cubes in 2-D): each cell's corners above/below the
// level pick which cell edges the line crosses; the crossing points are linear
// interpolations along the edges, and segments sharing an edge are joined into polylines.
#pragma once

#include <vector>

namespace minidl::examples {

struct Point {
  double x = 0, y = 0;
};

/// Samples v(i, j) = f(x_lo + i*dx, y_lo + j*dy), i < nx, j < ny, stored row by row (j major).
struct Grid {
  double x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  int nx = 2, ny = 2;
  std::vector<double> values;

  double x_at(int i) const { return x_lo + (x_hi - x_lo) * i / (nx - 1); }
  double y_at(int j) const { return y_lo + (y_hi - y_lo) * j / (ny - 1); }
  double at(int i, int j) const { return values[static_cast<std::size_t>(j) * nx + i]; }
};

/// The level set {f = level} as polylines; a closed curve repeats its first point at the end.
/// Cells with a non-finite corner are skipped; a saddle cell (diagonal corners on the
/// same side) is resolved by the mean of its corners.
std::vector<std::vector<Point>> contour_lines(const Grid& grid, double level);

}  // namespace minidl::examples
