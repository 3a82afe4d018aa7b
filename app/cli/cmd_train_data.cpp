// ripen-cli train data: fetches the emoji packages with npm into a cache folder outside the repository
// and writes the compact training set (see training/emoji_dataset.h).
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/cmd_train.h"
#include "cli/image_files.h"
#include "tensors/error.h"
#include "training/emoji_dataset.h"

namespace ripen::cli {
namespace {

namespace fs = std::filesystem;

// Pinned so the training set is reproducible.
constexpr const char* kEmojiVersion = "16.0.0";

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

void run_shell(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0) throw Error("command failed: " + cmd);
}

// Returns the extracted package folder (<cache>/<package>-<version>/package).
fs::path fetch_package(const fs::path& cache, const std::string& set) {
  std::string pkg = "emoji-datasource-" + set;
  fs::path tgz = cache / (pkg + "-" + kEmojiVersion + ".tgz");
  if (!fs::exists(tgz)) {
    std::cerr << "fetching " << pkg << "@" << kEmojiVersion << " with npm pack into " << cache << "\n";
    run_shell("cd " + shell_quote(cache.string()) + " && npm pack --silent " + pkg + "@" + kEmojiVersion + " >/dev/null");
    if (!fs::exists(tgz)) throw Error("npm pack did not produce " + tgz.string());
  }
  fs::path dir = cache / (pkg + "-" + kEmojiVersion);
  if (!fs::exists(dir / "package" / "emoji.json")) {
    fs::create_directories(dir);
    run_shell("tar xzf " + shell_quote(tgz.string()) + " -C " + shell_quote(dir.string()) +
              " --wildcards package/emoji.json package/LICENSE 'package/img/" + set + "/64/*'");
  }
  return dir / "package";
}

int run_data(Args& args) {
  const char* home = std::getenv("HOME");
  fs::path cache = args.get_or("--cache", std::string(home ? home : ".") + "/.cache/ripen/emoji");
  std::string out = args.require("--out");
  int limit = args.get_int("--limit", 0);
  args.finish();
  require_image_files("train data (it decodes the emoji packages' PNGs)");
  fs::create_directories(cache);
  std::vector<training::EmojiSource> sources;
  for (const std::string set : {"google", "twitter"}) {
    fs::path dir = fetch_package(cache, set);
    sources.push_back({set + " style", (dir / "emoji.json").string(), (dir / "img" / set / "64").string(),
                       "has_img_" + set, "emoji-datasource-" + set + "@" + kEmojiVersion});
  }
  auto ds = training::build_emoji_dataset(sources, read_rgba_file, limit);
  ds.save(out);
  auto eval = ds.indices(true);
  std::cout << "wrote " << out << ": " << ds.size() << " images (" << eval.size() << " held out), " << ds.classes.size()
            << " emoji, " << fs::file_size(out) / 1e6 << " MB\n";
  return 0;
}

RegisterTrainSubcommand reg{"data", {"fetch the emoji packages (npm) and write the training set: --out FILE [--cache DIR]", run_data}};

}  // namespace
}  // namespace ripen::cli
