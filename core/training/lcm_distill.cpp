#include "training/lcm_distill.h"

#include <filesystem>
#include <iostream>

#include "nets/embeddings.h"
#include "tensors/error.h"

namespace ripen::training {

std::pair<at::Tensor, at::Tensor> lcm_boundary_scalings(const at::Tensor& t) {
  constexpr double kSigmaData2 = 0.25;
  const at::Tensor s = t.to(at::kDouble) * 10.0;
  const at::Tensor c_skip = kSigmaData2 / (s * s + kSigmaData2);
  const at::Tensor c_out = s / (s * s + kSigmaData2).sqrt();
  return {c_skip.to(at::kFloat), c_out.to(at::kFloat)};
}

namespace {

at::Tensor col(const at::Tensor& x) { return x.view({-1, 1, 1, 1}); }

// x̂0 from an ε-prediction at z = α·x0 + σ·ε.
at::Tensor predicted_x0(const at::Tensor& eps, const at::Tensor& z, const at::Tensor& alpha, const at::Tensor& sigma) {
  return (z - col(sigma) * eps) / col(alpha);
}

// The consistency function f(z, t) = c_skip(t)·z + c_out(t)·x̂0 of a network's ε-prediction.
at::Tensor consistency(const at::Tensor& eps, const at::Tensor& z, const at::Tensor& t, const at::Tensor& alpha,
                       const at::Tensor& sigma) {
  const auto [c_skip, c_out] = lcm_boundary_scalings(t);
  const at::Device d = z.device();
  return col(c_skip.to(d)) * z + col(c_out.to(d)) * predicted_x0(eps, z, alpha, sigma);
}

}  // namespace

at::Tensor consistency_loss(const LcmStudent& student, const std::map<std::string, at::Tensor>& target_params,
                            const DistillTeacher& teacher, const DistillData& data, const DistillOptions& o,
                            int64_t step) {
  const at::Device device = teacher.unet->device();
  const int64_t b = o.batch;
  const auto i64 = at::TensorOptions().dtype(at::kLong), f32 = at::TensorOptions().dtype(at::kFloat);
  auto gen = step_generator(o.seed, step);

  const at::Tensor rows = at::randint(data.size(), {b}, gen, i64);
  const at::Tensor variants = at::randint(1 << 20, {b}, gen, i64);
  std::vector<std::string> prompts;
  for (int64_t j = 0; j < b; ++j) {
    const auto& caps = data.captions.at(rows[j].item<int64_t>());
    prompts.push_back(caps.at(variants[j].item<int64_t>() % static_cast<int64_t>(caps.size())));
  }
  const int64_t k = teacher.alphas_cumprod.size(0) / o.solver_steps;
  const at::Tensor s = (at::randint(o.solver_steps, {b}, gen, i64) + 1) * k - 1;
  const at::Tensor t = at::clamp_min(s - k, 0);
  std::vector<int64_t> shape = data.latents.sizes().vec();
  shape[0] = b;
  const at::Tensor eps = at::randn(shape, gen, f32).to(device);
  const at::Tensor w = (at::rand({b}, gen, f32) * (o.guidance_max - o.guidance_min) + (o.guidance_min - 1)).to(device);

  const at::Tensor acp = teacher.alphas_cumprod.to(at::kDouble);
  auto alpha = [&](const at::Tensor& ts) { return acp.index_select(0, ts).sqrt().to(at::kFloat).to(device); };
  auto sigma = [&](const at::Tensor& ts) { return (1 - acp.index_select(0, ts)).sqrt().to(at::kFloat).to(device); };
  const at::Tensor a_s = alpha(s), sig_s = sigma(s), a_t = alpha(t), sig_t = sigma(t);
  const at::Tensor x0 = data.latents.index_select(0, rows).to(device);
  const at::Tensor z_s = col(a_s) * x0 + col(sig_s) * eps;
  const at::Tensor s_f = s.to(at::kFloat).to(device), t_f = t.to(at::kFloat).to(device);
  const at::Tensor w_emb = student.spec().time_cond_proj_dim > 0
                               ? nn::guidance_scale_embedding(w, student.spec().time_cond_proj_dim).to(device)
                               : at::Tensor();

  at::Tensor cond, target;
  {
    at::NoGradGuard no_grad;
    cond = teacher.encode(prompts);
    const at::Tensor uncond = teacher.encode({""}).expand_as(cond);
    const at::Tensor out = teacher.unet->forward(at::cat({z_s, z_s}), at::cat({s_f, s_f}), at::cat({uncond, cond}));
    const at::Tensor eps_u = out.narrow(0, 0, b), eps_c = out.narrow(0, b, b);
    const at::Tensor x0_u = predicted_x0(eps_u, z_s, a_s, sig_s), x0_c = predicted_x0(eps_c, z_s, a_s, sig_s);
    const at::Tensor x0_g = x0_c + col(w) * (x0_c - x0_u), eps_g = eps_c + col(w) * (eps_c - eps_u);
    const at::Tensor x_t = col(a_t) * x0_g + col(sig_t) * eps_g;  // one DDIM step, η = 0
    const UNet2DCondition target_net = student.bind(target_params);
    target = consistency(target_net.forward(x_t, t_f, cond, nullptr, w_emb), x_t, t, a_t, sig_t);
  }
  const UNet2DCondition online = student.bind(student.params().param_map());
  const at::Tensor pred = consistency(online.forward(z_s, s_f, cond, nullptr, w_emb), z_s, s, a_s, sig_s);
  const at::Tensor d = pred - target;
  const at::Tensor huber = (d * d + o.huber_c * o.huber_c).sqrt() - o.huber_c;
  return (huber * data.retention.index_select(0, rows).to(device)).mean();
}

DistillResult train_distill(LcmStudent& student, const DistillTeacher& teacher, const DistillData& data,
                            const DistillOptions& o) {
  if (o.out_dir.empty()) throw Error("train distill: no output folder");
  if (data.size() == 0) throw Error("train distill: no training images");
  if (teacher.alphas_cumprod.size(0) % o.solver_steps)
    throw Error("train distill: the teacher's " + std::to_string(teacher.alphas_cumprod.size(0)) +
                " timesteps do not divide into " + std::to_string(o.solver_steps) + " solver steps");
  std::filesystem::create_directories(o.out_dir);
  const ParamStore& ps = student.params();
  auto params = make_trainable(ps);
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay).betas({0.9, 0.999}));
  Ema target(ps, o.ema_decay);
  CheckpointState state;
  state.info = {{"stage", "distill"}, {"student", to_string(student.spec().kind)},
                {"rank", std::to_string(student.spec().rank)},
                {"time_cond_proj_dim", std::to_string(student.spec().time_cond_proj_dim)}};
  if (o.resume && load_checkpoint(o.out_dir, ps, target, opt, state)) {
    if (state.info.at("student") != to_string(student.spec().kind))
      throw Error(o.out_dir + "/checkpoint/state.json: key 'info.student': the checkpoint is a " +
                  state.info.at("student") + " student, this run asks for " + to_string(student.spec().kind));
    std::cerr << "resuming " << o.out_dir << " at step " << state.step << "\n";
  }
  DistillResult r;
  r.loss = run_training_loop(
      o, "distill", ps, opt, target, state,
      [&](int64_t step) { return consistency_loss(student, target.shadow(), teacher, data, o, step); }, 1.0);
  r.steps = state.step;
  r.params = target.shadow();
  return r;
}

}  // namespace ripen::training
