#include "common/test_common.h"

#include <ATen/Context.h>

#include <cstdlib>
#include <random>
#include <sstream>

namespace ripen::test {

std::optional<std::filesystem::path> oracle_dir() {
  std::filesystem::path p;
  if (const char* env = std::getenv("RIPEN_ORACLE_DIR"); env && *env)
    p = env;
  else
    p = RIPEN_ORACLE_DEFAULT;
  if (std::filesystem::exists(p / "README.md")) return std::filesystem::canonical(p);
  return std::nullopt;
}

at::Device device() {
  const char* env = std::getenv("RIPEN_TEST_DEVICE");
  at::Device d(env && *env ? std::string(env) : std::string("cpu"));
  if (d.is_cuda()) {
    // fp32 parity bounds assume true fp32 matmuls and convolutions (TF32 measured 7.6e-4 off on the UNet).
    at::globalContext().setAllowTF32CuBLAS(false);
    at::globalContext().setAllowTF32CuDNN(false);
  }
  return d;
}

std::filesystem::path source_dir() { return RIPEN_SOURCE_DIR; }
std::filesystem::path binary_dir() { return RIPEN_BINARY_DIR; }

std::filesystem::path temp_dir(const std::string& tag) {
  std::random_device rd;
  auto p = std::filesystem::temp_directory_path() / ("ripen-test-" + tag + "-" + std::to_string(rd()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

::testing::AssertionResult close_to(const at::Tensor& actual, const at::Tensor& ref, double rtol, double atol) {
  if (actual.sizes() != ref.sizes()) {
    std::ostringstream s;
    s << "shape " << actual.sizes() << " vs reference " << ref.sizes();
    return ::testing::AssertionFailure() << s.str();
  }
  auto a = actual.detach().to(at::kCPU, at::kDouble);
  auto r = ref.detach().to(at::kCPU, at::kDouble);
  double maxref = r.abs().max().item<double>();
  double maxdiff = (a - r).abs().max().item<double>();
  double bound = rtol * maxref + atol;
  if (std::isnan(maxdiff) || maxdiff > bound)
    return ::testing::AssertionFailure() << "max|diff| = " << maxdiff << " > bound " << bound << " (rtol " << rtol
                                         << " * max|ref| " << maxref << " + atol " << atol << ")";
  return ::testing::AssertionSuccess() << "max|diff| = " << maxdiff << " <= " << bound;
}

}  // namespace ripen::test
