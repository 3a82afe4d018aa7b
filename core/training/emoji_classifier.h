#pragma once
// The small CNN behind the "recognizability" metric: 64×64 RGB in [-1, 1] -> emoji class logits. Trained on the
// train part of the emoji set (both styles) with shifts, colour jitter, blur and noise so that slightly soft
// generated images are judged fairly. Keys: "convs.N.{weight,bias}", "norms.N.{weight,bias}", "head.{weight,bias}".
#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "nets/layers.h"
#include "training/emoji_dataset.h"
#include "training/train_util.h"

namespace ripen::training {

class EmojiClassifier {
 public:
  static EmojiClassifier bind(ParamStore& ps, int64_t classes, int64_t width = 32);
  at::Tensor forward(const at::Tensor& images) const;  // [B,3,64,64] -> [B, classes]
  // The pooled features the head reads, [B, width·k]: what Fréchet / kernel distances compare.
  at::Tensor features(const at::Tensor& images) const;
  // Share of images whose class is among the top k predictions.
  double topk_accuracy(const at::Tensor& images, const at::Tensor& classes, int64_t k) const;
  int64_t classes() const { return head_.weight.size(0); }

 private:
  std::vector<nn::Conv2d> convs_;
  std::vector<nn::GroupNorm> norms_;
  nn::Linear head_;
};

struct ClassifierTrainOptions : TrainOptions {
  int64_t width = 32;
};

struct ClassifierReport {
  double top1_heldout = 0, top5_heldout = 0;  // real held-out images (the other style was seen in training)
  double top5_train = 0;                      // a sample of training images
  double top5_noise = 0;                      // uniform noise images (the floor)
  double top5_chance = 0;                     // 5 / classes
};

ClassifierReport train_classifier(const EmojiDataset& data, const ClassifierTrainOptions& options);
ClassifierReport evaluate_classifier(const EmojiClassifier& net, const EmojiDataset& data, const at::Device& device);

// The trained classifier (EMA weights) from a run folder.
EmojiClassifier load_trained_classifier(const std::string& run_dir, int64_t classes, const at::Device& device,
                                        ParamStore& storage);

}  // namespace ripen::training
