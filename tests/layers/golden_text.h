// Reading the golden text files of tests/*/golden/ (written by their committed PyTorch
// scripts): each line "<key>\t<value>", with "\n" in a value standing for a newline.
#pragma once

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "core/error.h"

namespace minidl::test {

inline std::string source_path(const std::string& relative) {
  const char* root = std::getenv("MINIDL_SOURCE_DIR");  // set by ctest
  if (root == nullptr) throw IOError("MINIDL_SOURCE_DIR is not set (ctest sets it to the source tree)");
  return std::string(root) + "/" + relative;
}

inline std::map<std::string, std::string> read_golden_pairs(const std::string& relative) {
  std::ifstream in(source_path(relative));
  if (!in) throw IOError("cannot read " + source_path(relative));
  std::map<std::string, std::string> pairs;
  for (std::string line; std::getline(in, line);) {
    const std::size_t tab = line.find('\t');
    if (line.empty() || line[0] == '#' || tab == std::string::npos) continue;
    std::string value;
    for (std::size_t i = tab + 1; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == 'n') {
        value += '\n';
        ++i;
      } else {
        value += line[i];
      }
    }
    pairs[line.substr(0, tab)] = value;
  }
  return pairs;
}

}  // namespace minidl::test
