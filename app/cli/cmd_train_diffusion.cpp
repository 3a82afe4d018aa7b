// ripen-cli train diffusion | export.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/cmd_train.h"
#include "tensors/error.h"
#include "training/diffusion_trainer.h"
#include "training/export_model.h"

namespace ripen::cli {
namespace {

int64_t vocab_size_of(const std::string& tokenizer_dir) {
  std::ifstream f(std::filesystem::path(tokenizer_dir) / "spiece.vocab");
  if (!f) throw Error(tokenizer_dir + "/spiece.vocab: cannot open (run `train tokenizer` first)");
  int64_t n = 0;
  std::string line;
  while (std::getline(f, line)) ++n;
  return n;
}

int run_diffusion(Args& args) {
  training::DiffusionTrainOptions o;
  o.batch = 64;
  o.lr = 3e-4;
  o.steps = 50000;
  o.warmup = 500;
  o.ema_decay = 0.9995;
  o.checkpoint_every = 1000;
  std::string data_path = args.require("--data");
  std::string latents = args.require("--latents");
  o.vocab_size = vocab_size_of(args.require("--tokenizer"));
  o.scale = args.get_or("--scale", o.scale);
  o.cfg_dropout = args.get_double("--cfg-dropout", o.cfg_dropout);
  o.min_snr_gamma = args.get_double("--min-snr", o.min_snr_gamma);
  o.init_from = args.get_or("--init", "");
  parse_train_options(args, o);
  args.finish();
  auto data = training::EmojiDataset::load(data_path);
  auto lat = training::load_latents(latents);
  double loss = training::train_diffusion(data, lat, o);
  std::cout << "diffusion: final smoothed loss " << loss << "\n";
  return 0;
}

int run_export(Args& args) {
  training::ExportInputs in;
  in.vae_dir = args.require("--vae");
  in.diffusion_dir = args.require("--diffusion");
  in.tokenizer_dir = args.require("--tokenizer");
  in.latents_path = args.require("--latents");
  in.dataset_path = args.require("--data");
  in.scale = args.get_or("--scale", in.scale);
  in.name = args.get_or("--name", in.name);
  std::string out = args.require("--out");
  args.finish();
  auto r = training::export_embedded_model(in, out);
  std::cout << "exported " << out << ": " << r.total_mb << " MB; latent preview fit RMSE " << r.preview_fit_rmse << "\n";
  if (r.total_mb > 40) std::cerr << "warning: the model is larger than the 40 MB budget\n";
  return 0;
}

RegisterTrainSubcommand reg_diff{"diffusion", {"train text encoder + UNet: --data FILE --latents FILE --tokenizer DIR --out DIR [--init MODEL_DIR ...]", run_diffusion}};
RegisterTrainSubcommand reg_exp{"export", {"write the diffusers folder: --vae DIR --diffusion DIR --tokenizer DIR --latents FILE --data FILE --out DIR", run_export}};

}  // namespace
}  // namespace ripen::cli
