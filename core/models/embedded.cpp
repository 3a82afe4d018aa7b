#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "models/model.h"
#include "tensors/error.h"

namespace fs = std::filesystem;

namespace ripen::models {

std::string resolve_model_path(const std::string& model) {
  if (model != "embedded") return model;
  if (const char* env = std::getenv("RIPEN_EMBEDDED_MODEL"); env && *env) return env;
  std::vector<fs::path> places;
#ifdef RIPEN_MODELS_INSTALL_DIR
  places.push_back(fs::path(RIPEN_MODELS_INSTALL_DIR) / "ripen-emoji");
#endif
  char buf[4096];
  if (ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1); n > 0) {
    buf[n] = 0;
    places.push_back(fs::path(buf).parent_path() / ".." / "share" / "ripen" / "models" / "ripen-emoji");
  }
#ifdef RIPEN_RESOURCE_DIR
  places.push_back(fs::path(RIPEN_RESOURCE_DIR) / "models" / "ripen-emoji");
#endif
  std::string tried;
  for (const auto& p : places) {
    if (fs::is_regular_file(p / "model_index.json")) return fs::weakly_canonical(p).string();
    tried += " " + p.string();
  }
  throw Error("the embedded model is not installed (set RIPEN_EMBEDDED_MODEL or pass --model PATH); looked at:" + tried);
}

}  // namespace ripen::models
