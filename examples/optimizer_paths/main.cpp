// optimizer_paths: how SGD, momentum, Nesterov, AdaGrad, RMSProp and Adam move on
// the lecture's 2-D surfaces (ill-conditioned quadratic, saddle, Rosenbrock), run with
// minidl's own optimizers. Writes DIR/<surface>.svg and DIR/paths.csv, and prints
// where each optimizer ended.
//   optimizer_paths --out optimizer_paths_out [--steps N]
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "paths.h"

namespace {

void write_file(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace minidl::examples;
  CLI::App app{"Optimizer paths on 2-D loss surfaces (SVG pictures and a CSV of the paths)"};
  std::string out_dir = "optimizer_paths_out";
  int steps = 0;
  app.add_option("--out", out_dir, "Output directory")->capture_default_str();
  app.add_option("--steps", steps, "Optimizer steps on every surface (0: each surface's own default)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    std::filesystem::create_directories(out_dir);
    std::ofstream csv(std::filesystem::path(out_dir) / "paths.csv", std::ios::binary);
    write_csv_header(csv);
    for (const Surface& surface : lecture_surfaces()) {
      const int n = steps > 0 ? steps : surface.steps;
      const std::vector<Path> paths = run_all(surface, n);
      write_csv_rows(csv, surface, paths);
      const auto svg = std::filesystem::path(out_dir) / (surface.name + ".svg");
      write_file(svg, render_svg(surface, paths));
      std::printf("%s: %d steps from (%g, %g) -> %s\n", surface.name.c_str(), n, surface.start.x,
                  surface.start.y, svg.string().c_str());
      std::printf("  %-14s %8s %12s %12s %12s %14s\n", "optimizer", "lr", "x", "y", "loss", "dist to min");
      for (std::size_t k = 0; k < paths.size(); ++k) {
        const Path& p = paths[k];
        std::printf("  %-14s %8g %12.5g %12.5g %12.5g %14.4g\n", p.optimizer.c_str(),
                    surface.optimizers[k].lr, p.x.back(), p.y.back(), p.loss.back(),
                    distance_to_minimum(surface, p.x.back(), p.y.back()));
      }
    }
    if (!csv.flush()) throw std::runtime_error("cannot write paths.csv in " + out_dir);
    std::printf("paths: %s\n", (std::filesystem::path(out_dir) / "paths.csv").string().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "optimizer_paths: %s\n", e.what());
    return 1;
  }
  return 0;
}
