#pragma once
// Pieces every trainer shares: trainable parameters from a ParamStore, AdamW, EMA, resumable checkpoints,
// per-step deterministic randomness, a progress bar and the loss log (CSV + PNG plot).
//
// Resume contract: all randomness of step s comes from `step_generator(seed, s)`, and a checkpoint holds the
// parameters, the EMA, the optimizer state and the step, so "train N steps" and "train K steps, stop, --resume to
// N" end in identical parameters (on the same device).
#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tensors/params.h"
#include "training/image8.h"

namespace ripen::training {

struct TrainOptions {
  std::string device = "cpu";
  int64_t steps = 1000;
  int64_t batch = 64;
  double lr = 2e-4;
  double weight_decay = 0.01;
  int64_t warmup = 200;
  double ema_decay = 0.999;
  uint64_t seed = 1;
  std::string out_dir;         // checkpoint, loss.csv, loss.png live here
  ImageWriter write_image;     // writes loss.png; unset: the plot is not written (loss.csv has the numbers)
  bool resume = false;
  int64_t checkpoint_every = 500;
  int64_t log_every = 10;
  bool quiet = false;          // no progress bar
  int64_t stop_at = 0;         // > 0: checkpoint and stop at this step (an interruption on purpose; resume later)
  double max_minutes = 0;      // > 0: checkpoint and stop after this much wall time
  at::Device torch_device() const { return at::Device(device); }
};

// Makes every parameter of `ps` a trainable leaf and returns them in declaration order.
std::vector<at::Tensor> make_trainable(const ParamStore& ps);

at::Generator step_generator(uint64_t seed, int64_t step);

// Learning rate with linear warm-up then cosine decay to 10%.
double lr_at(const TrainOptions& o, int64_t step);

class Ema {
 public:
  Ema() = default;
  Ema(const ParamStore& ps, double decay);
  void update(const ParamStore& ps, int64_t step);  // decay warms up: min(decay, (1+step)/(10+step))
  const std::map<std::string, at::Tensor>& shadow() const { return shadow_; }
  std::map<std::string, at::Tensor>& shadow() { return shadow_; }
  // Copies the EMA weights into the live parameters (for evaluation/export); returns the previous values.
  std::map<std::string, at::Tensor> swap_into(const ParamStore& ps);

 private:
  double decay_ = 0.999;
  std::map<std::string, at::Tensor> shadow_;
};

// out_dir/checkpoint/{model,ema}.safetensors, optimizer.pt, state.json — replaced as a whole (write to
// checkpoint.new, then rename), so an interruption leaves the previous checkpoint intact.
struct CheckpointState {
  int64_t step = 0;
  std::map<std::string, std::string> info;  // free-form (config, dataset path, ...)
};
void save_checkpoint(const std::string& out_dir, const ParamStore& ps, const Ema& ema, torch::optim::Optimizer& opt,
                     const CheckpointState& state);
// Returns false when there is no checkpoint. Parameters and EMA are copied into the existing tensors.
bool load_checkpoint(const std::string& out_dir, const ParamStore& ps, Ema& ema, torch::optim::Optimizer& opt,
                     CheckpointState& state);
// Parameters of a finished run (EMA when `ema`), for the next stage (export, latents, evaluation). `out_dir` may
// also be an exported diffusers component folder (diffusion_pytorch_model.safetensors), e.g. a shipped model's vae/.
std::map<std::string, at::Tensor> load_checkpoint_weights(const std::string& out_dir, bool ema);

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, int64_t start, bool enabled);
  void update(int64_t step, const std::string& extra);
  void finish();

 private:
  std::string label_;
  int64_t total_, start_;
  bool enabled_;
  std::chrono::steady_clock::time_point t0_, last_;
};

// out_dir/loss.csv (step,loss,lr,seconds[,extra columns]) and out_dir/loss.png (log-scale plot of the raw and
// smoothed loss, through `write_image` when set). On resume, rows after the resumed step are dropped.
class LossLog {
 public:
  LossLog(std::string out_dir, std::vector<std::string> extra_columns, int64_t resume_step,
          ImageWriter write_image = {});
  void add(int64_t step, double loss, double lr, const std::vector<double>& extra = {});
  void write_plot() const;

 private:
  std::string csv_, png_;
  ImageWriter write_image_;
  std::vector<std::pair<int64_t, double>> points_;
  std::chrono::steady_clock::time_point t0_;
  double seconds_offset_ = 0;
};

// The shared loop: from state.step to o.steps (or stop_at / max_minutes), sets the learning rate, evaluates
// `loss(step)`, steps AdamW (with gradient clipping when clip_norm > 0), updates the EMA, logs, checkpoints every
// o.checkpoint_every steps and at the end. Returns the smoothed loss; state.step is where it stopped.
double run_training_loop(const TrainOptions& o, const std::string& label, const ParamStore& ps,
                         torch::optim::Optimizer& opt, Ema& ema, CheckpointState& state,
                         const std::function<at::Tensor(int64_t step)>& loss, double clip_norm = 0);

// Draws a loss curve (log y): 640x360 RGB.
Image8 plot_loss(const std::vector<std::pair<int64_t, double>>& points);

}  // namespace ripen::training
