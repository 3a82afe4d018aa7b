// ripen-cli train prompts | recognize: the recognizability metric of design.md.
//   train prompts --data FILE            held-out prompts, one JSON object a line: {"row", "class", "prompt"}
//   train recognize --classifier DIR --data FILE --images DIR
//       top-1/top-5 of the classifier on DIR's PNGs, each named "<class>_<anything>.png" (64×64), next to the
//       same figures for the real held-out images and for noise.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cmd_train.h"
#include "cli/image_files.h"
#include "tensors/error.h"
#include "training/emoji_classifier.h"

namespace ripen::cli {
namespace {

namespace fs = std::filesystem;

int run_prompts(Args& args) {
  auto data = training::EmojiDataset::load(args.require("--data"));
  int variant = args.get_int("--variant", 0);
  args.finish();
  for (int64_t row : data.indices(true)) {
    const auto& caps = data.captions[row];
    std::cout << nlohmann::json{{"row", row},
                                {"class", data.class_ids[row].item<int64_t>()},
                                {"prompt", caps.at(std::min<size_t>(variant, caps.size() - 1))}}
                     .dump()
              << "\n";
  }
  return 0;
}

int run_recognize(Args& args) {
  std::string cls_dir = args.require("--classifier");
  auto data = training::EmojiDataset::load(args.require("--data"));
  fs::path images = args.require("--images");
  std::string device = args.get_or("--device", "cpu");
  args.finish();
  require_image_files("train eval recognize (it reads the generated PNGs)");
  ParamStore storage = ParamStore::random(0);
  auto net = training::load_trained_classifier(cls_dir, static_cast<int64_t>(data.classes.size()), at::Device(device), storage);
  std::vector<at::Tensor> xs;
  std::vector<int64_t> labels;
  for (const auto& e : fs::directory_iterator(images)) {
    if (e.path().extension() != ".png") continue;
    std::string stem = e.path().stem().string();
    int64_t label = std::stoll(stem.substr(0, stem.find('_')));
    auto img = read_rgba_file(e.path().string());
    if (img.width != 64 || img.height != 64) throw Error(e.path().string() + ": expected 64x64");
    auto t = at::from_blob(img.pixels.data(), {64, 64, 4}, at::kByte).narrow(2, 0, 3).clone();
    xs.push_back(t);
    labels.push_back(label);
  }
  if (xs.empty()) throw Error(images.string() + ": no PNG files");
  auto x = training::images_to_float(at::stack(xs), at::Device(device));
  auto y = at::tensor(labels, at::kLong);
  auto ref = training::evaluate_classifier(net, data, at::Device(device));
  std::cout << "recognizability: generated top-1 " << net.topk_accuracy(x, y, 1) << ", top-5 " << net.topk_accuracy(x, y, 5)
            << " (" << xs.size() << " images); real held-out top-5 " << ref.top5_heldout << "; noise top-5 "
            << ref.top5_noise << "; chance " << ref.top5_chance << "\n";
  return 0;
}

RegisterTrainSubcommand reg_p{"prompts", {"print the held-out prompts (JSON lines): --data FILE [--variant N]", run_prompts}};
RegisterTrainSubcommand reg_r{"recognize", {"recognizability of generated PNGs '<class>_*.png': --classifier DIR --data FILE --images DIR", run_recognize}};

}  // namespace
}  // namespace ripen::cli
