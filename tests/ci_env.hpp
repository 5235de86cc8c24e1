#pragma once
// Tests that need a tool or a setting the machine may lack skip on a developer's machine but fail
// under CI (.ci/run exports CI=1): there everything must run, and a skipped test checks nothing.
// CI counts as set when non-empty and not "0", as in the shell tests and CMake.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

namespace autoscale::testing {

inline bool under_ci() {
  const char* ci = std::getenv("CI");
  return ci && *ci && std::string_view(ci) != "0";
}

}  // namespace autoscale::testing

// In a TEST body: FAIL under CI, else GTEST_SKIP, with `why` (a stream expression).
#define AUTOSCALE_SKIP_UNLESS_CI(why)                                  \
  do {                                                                 \
    if (autoscale::testing::under_ci()) FAIL() << why << " (under CI)"; \
    GTEST_SKIP() << why << "; under CI this test fails instead";       \
  } while (0)
