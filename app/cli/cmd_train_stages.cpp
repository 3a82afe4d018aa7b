// ripen-cli train vae | classifier | tokenizer | latents: the stages before the diffusion model.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/cmd_train.h"
#include "cli/image_files.h"
#include "tensors/error.h"
#include "tensors/safetensors.h"
#include "training/caption_tokens.h"
#include "training/emoji_classifier.h"
#include "training/latents.h"
#include "training/vae_trainer.h"

namespace ripen::cli {

void parse_train_options(Args& args, training::TrainOptions& o) {
  o.out_dir = args.require("--out");
  o.device = args.get_or("--device", o.device);
  o.steps = args.get_int("--steps", static_cast<int>(o.steps));
  o.batch = args.get_int("--batch", static_cast<int>(o.batch));
  o.lr = args.get_double("--lr", o.lr);
  o.weight_decay = args.get_double("--weight-decay", o.weight_decay);
  o.warmup = args.get_int("--warmup", static_cast<int>(o.warmup));
  o.ema_decay = args.get_double("--ema", o.ema_decay);
  o.seed = static_cast<uint64_t>(args.get_int("--seed", static_cast<int>(o.seed)));
  o.checkpoint_every = args.get_int("--checkpoint-every", static_cast<int>(o.checkpoint_every));
  o.log_every = args.get_int("--log-every", static_cast<int>(o.log_every));
  o.resume = args.flag("--resume");
  o.quiet = args.flag("--quiet");
  o.stop_at = args.get_int("--stop-at", 0);
  o.max_minutes = args.get_double("--max-minutes", 0);
  if (o.steps <= 0 || o.batch <= 0 || o.lr <= 0 || o.checkpoint_every <= 0 || o.log_every <= 0)
    throw UsageError{"--steps, --batch, --lr, --checkpoint-every and --log-every must be positive"};
  if (o.device != "cpu" && o.device.rfind("cuda", 0) != 0) throw UsageError{"--device must be cpu or cuda[:N]"};
  if (image_files_available()) {
    o.write_image = [](const std::string& path, const training::Image8& image) { write_png_file(path, image); };
  } else if (!o.quiet) {
    std::cerr << "note: no loss.png in the engine-only build (loss.csv has the numbers)\n";
  }
}

namespace {

namespace fs = std::filesystem;

int run_vae(Args& args) {
  training::VaeTrainOptions o;
  o.batch = 32;
  o.lr = 4e-4;
  o.steps = 20000;
  std::string data_path = args.require("--data");
  o.scale = args.get_or("--scale", o.scale);
  o.kl_weight = args.get_double("--kl", o.kl_weight);
  o.gradient_loss_weight = args.get_double("--gradient-loss", o.gradient_loss_weight);
  parse_train_options(args, o);
  args.finish();
  auto data = training::EmojiDataset::load(data_path);
  auto r = training::train_vae(data, o);
  std::cout << "vae: held-out PSNR " << r.psnr_db << " dB (MSE " << r.mse << ", " << r.images << " images)\n";
  return 0;
}

int run_classifier(Args& args) {
  training::ClassifierTrainOptions o;
  o.batch = 128;
  o.lr = 2e-3;
  o.steps = 6000;
  std::string data_path = args.require("--data");
  o.width = args.get_int("--width", static_cast<int>(o.width));
  parse_train_options(args, o);
  args.finish();
  auto data = training::EmojiDataset::load(data_path);
  auto r = training::train_classifier(data, o);
  std::cout << "classifier: held-out top-1 " << r.top1_heldout << ", top-5 " << r.top5_heldout << "; train top-5 "
            << r.top5_train << "; noise top-5 " << r.top5_noise << "; chance top-5 " << r.top5_chance << "\n";
  return 0;
}

int run_tokenizer(Args& args) {
  std::string data_path = args.require("--data");
  std::string out_dir = args.require("--out");
  int vocab = args.get_int("--vocab", 2048);
  std::string spm_train = args.get_or("--spm-train", "spm_train");
  std::string write = args.get_or("--write-data", data_path);
  args.finish();
  auto data = training::EmojiDataset::load(data_path);
  fs::create_directories(out_dir);
  auto model = training::train_caption_tokenizer(data, out_dir, vocab, spm_train);
  training::tokenize_captions(data, model);
  data.save(write);
  std::cout << "tokenizer: " << model << " (vocab " << vocab << "); caption tokens written to " << write << "\n";
  return 0;
}

int run_latents(Args& args) {
  std::string data_path = args.require("--data");
  std::string vae_dir = args.require("--vae");
  std::string out = args.require("--out");
  std::string scale = args.get_or("--scale", "small");
  std::string device = args.get_or("--device", "cpu");
  args.finish();
  auto data = training::EmojiDataset::load(data_path);
  auto info = training::encode_latents(data, vae_dir, scale, at::Device(device), out);
  std::cout << "latents: " << out << " (scaling_factor " << info.scaling_factor << ", held-out VAE PSNR " << info.psnr_db
            << " dB)\n";
  return 0;
}

RegisterTrainSubcommand reg_vae{"vae", {"train the autoencoder: --data FILE --out DIR [--steps N --batch N --device cuda --resume]", run_vae}};
RegisterTrainSubcommand reg_cls{"classifier", {"train the recognizability classifier: --data FILE --out DIR [...]", run_classifier}};
RegisterTrainSubcommand reg_tok{"tokenizer", {"train the sentencepiece tokenizer on the captions: --data FILE --out DIR [--vocab N]", run_tokenizer}};
RegisterTrainSubcommand reg_lat{"latents", {"encode the dataset with a trained VAE: --data FILE --vae DIR --out FILE", run_latents}};

}  // namespace
}  // namespace ripen::cli
