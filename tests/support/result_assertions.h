// Assertions on Result<T> that stop the test when it holds an error, so
// that nothing dereferences an empty Result (undefined behaviour) after a
// non-fatal EXPECT. The error's text is printed.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "newswire/core/error.h"

#define NW_RESULT_CONCAT_INNER(a, b) a##b
#define NW_RESULT_CONCAT(a, b) NW_RESULT_CONCAT_INNER(a, b)

// ASSERT_OK(result): fails and returns unless `result` holds a value.
#define ASSERT_OK(expr)                                                   \
  do {                                                                    \
    const auto& nw_result_ = (expr);                                      \
    ASSERT_TRUE(nw_result_.has_value()) << nw_result_.error().ToString(); \
  } while (false)

// ASSERT_OK_AND_ASSIGN(auto x, Call()): fails and returns unless Call()
// holds a value; otherwise declares (or assigns) `lhs` with it.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  NW_ASSERT_OK_AND_ASSIGN_IMPL(NW_RESULT_CONCAT(nw_result_, __LINE__), lhs, expr)
#define NW_ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)      \
  auto tmp = (expr);                                      \
  ASSERT_TRUE(tmp.has_value()) << tmp.error().ToString(); \
  lhs = std::move(*tmp)

namespace newswire::testing {

// The value `result` holds. When it holds an error, throws: GoogleTest
// reports the test failed with the error's text and stops it. For helper
// functions that return a value (where ASSERT_* cannot be used).
template <typename T>
T Unwrap(Result<T> result, const char* what = "") {
  if (!result) throw std::runtime_error(std::string(what) + ": " + result.error().ToString());
  return std::move(*result);
}

}  // namespace newswire::testing
