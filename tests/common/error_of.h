#pragma once
// The message of the ripen::Error that `f` throws, for tests of refusals; a test failure (and "") when it throws none.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "tensors/error.h"

namespace ripen::test {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ripen::Error thrown";
  return "";
}

}  // namespace ripen::test
