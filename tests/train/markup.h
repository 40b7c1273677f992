// A tiny XML-ish checker for the generated SVG/HTML: every tag is closed in order
// (or self-closed), attribute values are quoted, '&' starts an entity, and no raw
// '<' or '>' appears in text. Also helpers to pull elements and attributes out.
#pragma once

#include <cctype>
#include <string>
#include <vector>

namespace minidl::train::test {

/// "" when well formed, else what is wrong and where.
inline std::string markup_problem(const std::string& text) {
  std::vector<std::string> open;
  std::size_t i = 0;
  const auto at = [&](std::size_t pos) { return " at offset " + std::to_string(pos); };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '>') return "stray '>'" + at(i);
    if (c == '&') {
      const std::size_t end = text.find(';', i);
      if (end == std::string::npos || end - i > 8) return "bare '&'" + at(i);
      i = end + 1;
      continue;
    }
    if (c != '<') {
      ++i;
      continue;
    }
    if (text.compare(i, 9, "<!DOCTYPE") == 0) {
      i = text.find('>', i) + 1;
      continue;
    }
    const bool closing = i + 1 < text.size() && text[i + 1] == '/';
    std::size_t j = i + (closing ? 2 : 1);
    const std::size_t name_begin = j;
    while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '-')) ++j;
    const std::string name = text.substr(name_begin, j - name_begin);
    if (name.empty()) return "'<' without a tag name" + at(i);
    // Attributes: name="value" pairs until '>' or '/>'.
    bool self_closed = false;
    while (true) {
      while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
      if (j >= text.size()) return "unterminated tag <" + name + at(i);
      if (text[j] == '>') break;
      if (text.compare(j, 2, "/>") == 0) {
        self_closed = true;
        ++j;
        break;
      }
      if (closing) return "attributes on a closing tag </" + name + at(j);
      const std::size_t eq = text.find('=', j);
      if (eq == std::string::npos || eq + 1 >= text.size() || text[eq + 1] != '"')
        return "unquoted attribute in <" + name + at(j);
      const std::size_t close = text.find('"', eq + 2);
      if (close == std::string::npos) return "unterminated attribute in <" + name + at(j);
      const std::string value = text.substr(eq + 2, close - eq - 2);
      if (value.find('<') != std::string::npos) return "'<' inside an attribute of <" + name + at(j);
      j = close + 1;
    }
    if (closing) {
      if (open.empty() || open.back() != name)
        return "</" + name + "> closes <" + (open.empty() ? std::string("nothing") : open.back()) + ">" +
               at(i);
      open.pop_back();
    } else if (!self_closed) {
      open.push_back(name);
    }
    i = j + 1;
  }
  return open.empty() ? "" : "<" + open.back() + "> is never closed";
}

/// The full text of every element <tag ...>...</tag> or <tag .../> (not nested in itself).
inline std::vector<std::string> elements(const std::string& text, const std::string& tag) {
  std::vector<std::string> out;
  for (std::size_t i = text.find("<" + tag); i != std::string::npos; i = text.find("<" + tag, i + 1)) {
    const char next = text[i + 1 + tag.size()];
    if (next != ' ' && next != '>' && next != '/') continue;
    const std::size_t tag_end = text.find('>', i);
    std::size_t end = tag_end + 1;
    if (text[tag_end - 1] != '/') end = text.find("</" + tag + ">", i) + tag.size() + 3;
    out.push_back(text.substr(i, end - i));
  }
  return out;
}

/// The value of attribute `name` in the opening tag at the start of `element` ("" when absent).
inline std::string attribute(const std::string& element, const std::string& name) {
  const std::size_t tag_end = element.find('>');
  const std::size_t at = element.find(" " + name + "=\"");
  if (at == std::string::npos || at > tag_end) return "";
  const std::size_t begin = at + name.size() + 3;
  return element.substr(begin, element.find('"', begin) - begin);
}

/// The text between the opening and the closing tag.
inline std::string inner_text(const std::string& element) {
  const std::size_t begin = element.find('>') + 1;
  const std::size_t end = element.rfind("</");
  return end == std::string::npos || end < begin ? "" : element.substr(begin, end - begin);
}

/// (x, y) pairs of a polyline's points attribute.
inline std::vector<std::pair<double, double>> polyline_points(const std::string& element) {
  std::vector<std::pair<double, double>> points;
  const std::string list = attribute(element, "points");
  std::size_t i = 0;
  while (i < list.size()) {
    std::size_t used = 0;
    const double x = std::stod(list.substr(i), &used);
    i += used + 1;  // the comma
    const double y = std::stod(list.substr(i), &used);
    i += used;
    points.emplace_back(x, y);
    while (i < list.size() && list[i] == ' ') ++i;
  }
  return points;
}

}  // namespace minidl::train::test
