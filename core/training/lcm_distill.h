#pragma once
// Latent consistency distillation (Luo et al. 2023; diffusers' train_lcm_distill_sd_wds.py) with Ripen's
// retention weighting (training/retention_map.h). One step, for a batch of training latents x0:
//   grid point s = (i+1)·k − 1 (k = T / N, i ~ U{0..N−1}), t = max(s − k, 0); z_s = α_s·x0 + σ_s·ε
//   w ~ U[w_min, w_max]                                            (guidance w: the teacher's CFG scale is w + 1)
//   student:  f(z_s, s) = c_skip(s)·z_s + c_out(s)·x̂0_student(z_s, s, w)
//   teacher:  x0, ε with CFG (x0 = x0_c + w(x0_c − x0_u)), one DDIM step (η = 0) to t: x_t = α_t·x0 + σ_t·ε
//   target:   f⁻(x_t, t) with the EMA student, no grad
//   loss:     mean of retention · Huber(f − f⁻), Huber(d) = √(d² + c²) − c
// with c_skip(t) = σd² / ((10t)² + σd²), c_out(t) = 10t / √((10t)² + σd²), σd = 0.5.
// The teacher runs frozen (fp32); its text encoder too, through `encode`.
#include <functional>
#include <string>
#include <vector>

#include "training/lcm_student.h"
#include "training/train_util.h"

namespace ripen::training {

struct DistillData {
  at::Tensor latents;    // [N, C, h, w], UNet space (VAE posterior mean × scaling factor)
  at::Tensor retention;  // [N, 1, h, w], mean 1 per image (all ones for plain LCM)
  std::vector<std::vector<std::string>> captions;  // [N][variants ≥ 1]
  int64_t size() const { return latents.defined() ? latents.size(0) : 0; }
};

struct DistillTeacher {
  const UNet2DCondition* unet = nullptr;
  // Prompts -> the UNet's encoder_hidden_states [B, L, D] (no grad).
  std::function<at::Tensor(const std::vector<std::string>&)> encode;
  at::Tensor alphas_cumprod;  // [T]
};

struct DistillOptions : TrainOptions {
  StudentSpec student;
  int64_t solver_steps = 50;           // N: the DDIM skip grid (LCM's original_inference_steps)
  double guidance_min = 4, guidance_max = 12;  // the teacher's CFG scale range sampled (w + 1)
  double huber_c = 0.001;
  DistillOptions() {
    lr = 1e-4;
    ema_decay = 0.95;  // the target network
    warmup = 20;
  }
};

// c_skip, c_out of LCM's boundary condition at integer timesteps t [B] (timestep scaling 10, σd 0.5).
std::pair<at::Tensor, at::Tensor> lcm_boundary_scalings(const at::Tensor& t);

// One loss evaluation (exposed for tests). All randomness comes from step_generator(o.seed, step).
at::Tensor consistency_loss(const LcmStudent& student, const std::map<std::string, at::Tensor>& target_params,
                            const DistillTeacher& teacher, const DistillData& data, const DistillOptions& o,
                            int64_t step);

struct DistillResult {
  double loss = 0;
  int64_t steps = 0;  // where the run stopped (a checkpoint holds it)
  std::map<std::string, at::Tensor> params;  // the EMA student's parameters (what gets exported)
};

// Runs (or resumes) the distillation into o.out_dir (checkpoints, loss.csv, loss.png).
DistillResult train_distill(LcmStudent& student, const DistillTeacher& teacher, const DistillData& data,
                            const DistillOptions& o);

}  // namespace ripen::training
