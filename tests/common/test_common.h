#pragma once
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

namespace ripen::test {

// The oracle fixtures folder: $RIPEN_ORACLE_DIR, else ../shared/oracle beside the source tree.
std::optional<std::filesystem::path> oracle_dir();
std::filesystem::path source_dir();
std::filesystem::path binary_dir();
// A fresh empty temporary directory, removed by the OS's tmp cleaning (tests name their own sub-paths).
std::filesystem::path temp_dir(const std::string& tag);

// Device for parity tests: $RIPEN_TEST_DEVICE ("cpu" default, "cuda" on a GPU machine). Oracle parity
// tests move weights and inputs there, so the same suite checks the CUDA path.
at::Device device();

// max|a - ref| <= rtol * max|ref| + atol; on failure the message gives both sides of the bound.
::testing::AssertionResult close_to(const at::Tensor& actual, const at::Tensor& ref, double rtol = 1e-4, double atol = 1e-5);

}  // namespace ripen::test

// Skips the test, with a message, when the oracle fixtures are absent.
#define RIPEN_ORACLE_OR_SKIP(var)                                                                  \
  auto var##_opt = ::ripen::test::oracle_dir();                                                   \
  if (!var##_opt) GTEST_SKIP() << "oracle fixtures not found (set RIPEN_ORACLE_DIR); skipping";   \
  const std::filesystem::path var = *var##_opt
