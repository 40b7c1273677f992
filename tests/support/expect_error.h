// expect_error<E>(f, parts): f must throw E (or a subclass) whose message contains every part.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace minidl::test {

template <typename E, typename F> void expect_error(F&& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no exception";
  } catch (const E& e) {
    const std::string msg = e.what();
    for (const std::string& part : parts)
      EXPECT_NE(msg.find(part), std::string::npos) << msg << " lacks " << part;
  }
}

template <typename E, typename F> void expect_error(F&& f, const char* part) {
  expect_error<E>(std::forward<F>(f), std::vector<std::string>{part});
}

}  // namespace minidl::test
