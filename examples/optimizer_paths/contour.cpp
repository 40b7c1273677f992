// Marching squares. A crossing point is named by the grid edge it lies on, so the
// two cells sharing an edge produce the very same point and segments can be chained
// by edge id: open chains start at an edge used once (the grid border or a skipped
// cell), everything left over forms closed loops.
#include "contour.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <unordered_map>

#include "core/error.h"

namespace minidl::examples {
namespace {

struct Segment {
  int64_t a, b;  // edge ids of the two ends
};

class Marcher {
 public:
  Marcher(const Grid& grid, double level) : g_(grid), level_(level) {}

  std::vector<std::vector<Point>> run() {
    for (int j = 0; j + 1 < g_.ny; ++j)
      for (int i = 0; i + 1 < g_.nx; ++i) cell(i, j);
    for (std::size_t s = 0; s < segments_.size(); ++s) {
      ends_[segments_[s].a].push_back(s);
      ends_[segments_[s].b].push_back(s);
    }
    used_.assign(segments_.size(), false);
    std::vector<std::vector<Point>> lines;
    for (std::size_t s = 0; s < segments_.size(); ++s)  // open chains first, from a loose end
      for (int64_t end : {segments_[s].a, segments_[s].b})
        if (!used_[s] && ends_[end].size() == 1) lines.push_back(chain(s, end));
    for (std::size_t s = 0; s < segments_.size(); ++s)
      if (!used_[s]) lines.push_back(chain(s, segments_[s].a));
    return lines;
  }

 private:
  // Edge ids: the horizontal edge (i, j)-(i+1, j) is 2k, the vertical one (i, j)-(i, j+1)
  // is 2k+1, with k = j*nx + i.
  int64_t horizontal(int i, int j) const { return 2 * (static_cast<int64_t>(j) * g_.nx + i); }
  int64_t vertical(int i, int j) const { return horizontal(i, j) + 1; }

  // The crossing on the edge from corner (i0, j0) to its neighbour (i1, j1).
  void crossing(int64_t id, int i0, int j0, int i1, int j1) {
    if (points_.count(id)) return;
    const double v0 = g_.at(i0, j0), v1 = g_.at(i1, j1);
    const double t = (level_ - v0) / (v1 - v0);  // v0 and v1 lie on opposite sides: v1 != v0
    points_[id] = {g_.x_at(i0) + t * (g_.x_at(i1) - g_.x_at(i0)),
                   g_.y_at(j0) + t * (g_.y_at(j1) - g_.y_at(j0))};
  }

  void cell(int i, int j) {
    // Corners counter-clockwise from the bottom left; edge e joins corner e and corner e+1.
    const std::array<int, 4> ci = {i, i + 1, i + 1, i}, cj = {j, j, j + 1, j + 1};
    std::array<double, 4> v;
    std::array<bool, 4> above;
    for (int c = 0; c < 4; ++c) {
      v[c] = g_.at(ci[c], cj[c]);
      if (!std::isfinite(v[c])) return;
      above[c] = v[c] >= level_;
    }
    const std::array<int64_t, 4> edge = {horizontal(i, j), vertical(i + 1, j), horizontal(i, j + 1),
                                         vertical(i, j)};
    std::vector<int> crossed;
    for (int e = 0; e < 4; ++e)
      if (above[e] != above[(e + 1) % 4]) {
        crossing(edge[e], ci[e], cj[e], ci[(e + 1) % 4], cj[(e + 1) % 4]);
        crossed.push_back(e);
      }
    if (crossed.size() == 2) {
      segments_.push_back({edge[crossed[0]], edge[crossed[1]]});
    } else if (crossed.size() == 4) {
      // Saddle cell: if the centre is on corner 0's side, corners 0 and 2 connect through
      // it and the lines cut off corners 1 and 3; otherwise they cut off corners 0 and 2.
      const bool centre_above = (v[0] + v[1] + v[2] + v[3]) / 4 >= level_;
      if (centre_above == above[0]) {
        segments_.push_back({edge[0], edge[1]});  // around corner 1
        segments_.push_back({edge[2], edge[3]});  // around corner 3
      } else {
        segments_.push_back({edge[3], edge[0]});  // around corner 0
        segments_.push_back({edge[1], edge[2]});  // around corner 2
      }
    }
  }

  // Follows segments from `start` (an end of segment s) until no unused segment continues.
  std::vector<Point> chain(std::size_t s, int64_t start) {
    std::vector<Point> line = {points_.at(start)};
    int64_t at = start;
    while (true) {
      used_[s] = true;
      at = segments_[s].a == at ? segments_[s].b : segments_[s].a;
      line.push_back(points_.at(at));
      bool found = false;
      for (std::size_t next : ends_[at])
        if (!used_[next]) s = next, found = true;
      if (!found) return line;
    }
  }

  const Grid& g_;
  double level_;
  std::vector<Segment> segments_;
  std::unordered_map<int64_t, Point> points_;
  std::unordered_map<int64_t, std::vector<std::size_t>> ends_;
  std::vector<bool> used_;
};

}  // namespace

std::vector<std::vector<Point>> contour_lines(const Grid& grid, double level) {
  MINIDL_CHECK(grid.nx >= 2 && grid.ny >= 2 && grid.x_lo < grid.x_hi && grid.y_lo < grid.y_hi, ValueError,
               "contour_lines: needs at least 2x2 samples over a non-empty box, got ", grid.nx, "x", grid.ny,
               " over [", grid.x_lo, ", ", grid.x_hi, "] x [", grid.y_lo, ", ", grid.y_hi, "]");
  MINIDL_CHECK(grid.values.size() == static_cast<std::size_t>(grid.nx) * grid.ny, ShapeError,
               "contour_lines: ", grid.values.size(), " values for a ", grid.nx, "x", grid.ny, " grid");
  return Marcher(grid, level).run();
}

}  // namespace minidl::examples
