// Quality mode's 2x hires pass ("hires fix") on the tiny SD1.5 model: 2x size, determinism, the seed's
// picture kept, both upscale modes, events, cancel inside the pass, validation; and its pieces (Lanczos, σ).
#include <gtest/gtest.h>

#include <cmath>

#include "common/test_common.h"
#include "pipeline/metrics.h"
#include "pipeline/pipeline.h"
#include "pipeline/hires.h"
#include "tensors/error.h"

using namespace ripen;

namespace {
GenerationRequest quality(const std::filesystem::path& oracle, uint64_t seed, bool hires) {
  GenerationRequest r;
  r.model = (oracle / "tiny-sd15").string();
  r.prompt = "a red apple on a white table";
  r.seed = seed;
  r.width = 64;
  r.height = 64;
  r.preset = Preset::Quality;
  r.hires = hires;
  return r;
}

// Image → float [1, 3, H, W] in [0, 1].
at::Tensor to_tensor(const Image& img) {
  at::Tensor t = at::from_blob(const_cast<uint8_t*>(img.rgb.data()), {img.height, img.width, 3}, at::kByte);
  return t.to(at::kFloat).div(255).permute({2, 0, 1}).unsqueeze(0).contiguous();
}

Image to_u8(const at::Tensor& t) { return to_image(t[0]); }

// The hires image brought back to the base size (antialiased Lanczos, as an A1111 user would compare them).
Image halve(const Image& img) {
  return to_u8(resize_lanczos(to_tensor(img), img.height / 2, img.width / 2).clamp(0, 1));
}

double mse(const Image& a, const Image& b) {
  return to_tensor(a).sub(to_tensor(b)).pow(2).mean().item<double>();
}

bool same_pixels(const Image& a, const Image& b) {
  return a.width == b.width && a.height == b.height && a.rgb == b.rgb;
}
}  // namespace

TEST(HiresPieces, LanczosMatrixRowsNormalisedSymmetricAndRoundTrips) {
  for (auto [in, out] : {std::pair<int64_t, int64_t>{8, 16}, {16, 8}, {5, 11}, {64, 128}}) {
    at::Tensor m = lanczos_resize_matrix(in, out, at::kDouble);
    ASSERT_EQ(m.sizes(), at::IntArrayRef({out, in}));
    EXPECT_TRUE(at::allclose(m.sum(1), at::ones({out}, at::kDouble), 0, 1e-12));
    EXPECT_TRUE(at::allclose(m, m.flip({0, 1}), 0, 1e-12)) << in << "->" << out;  // mirror symmetric
  }
  // 2x up: interior output 2k+1 (centre k + 0.75) weighs input k+1 most, with PIL's taps
  // sinc(x)·sinc(x/3) at x = i − k − 0.25, normalised.
  at::Tensor m = lanczos_resize_matrix(16, 32, at::kDouble);
  double w[6], sum = 0;
  for (int j = 0; j < 6; ++j) {
    double x = (j - 2) - 0.25, px = M_PI * x;
    w[j] = std::sin(px) / px * std::sin(px / 3) / (px / 3);
    sum += w[j];
  }
  for (int j = 0; j < 6; ++j) EXPECT_NEAR(m[17][8 - 2 + j].item<double>(), w[j] / sum, 1e-12);
  // A smooth image upscaled 2x and brought back is nearly itself (the filter interpolates).
  at::Tensor y = at::linspace(0, 1, 32, at::kFloat).view({1, 1, 1, 32}).expand({1, 3, 32, 32});
  at::Tensor img = (y * 3).sin() * y.transpose(2, 3).cos() * 0.5 + 0.5;
  at::Tensor back = resize_lanczos(resize_lanczos(img, 64, 64), 32, 32);
  EXPECT_LT((back - img).abs().slice(2, 4, 28).slice(3, 4, 28).max().item<double>(), 0.01);
}

TEST(HiresPieces, SigmasRunHiresStepsFromTheStrengthPoint) {
  auto model = sampling::DiscreteSchedule::stable_diffusion();
  SamplingPlan p = plan_for([] {
    GenerationRequest r;
    r.preset = Preset::Quality;
    r.hires = true;
    return r;
  }());
  ASSERT_TRUE(p.hires);
  EXPECT_EQ(p.hires_steps, 20);
  EXPECT_EQ(p.hires_sampler, "dpmpp_sde");
  EXPECT_EQ(p.hires_upscale, "image");
  HiresSigmas s = hires_sigmas(p, model);  // strength 0.45: the last 20 steps of a 44-step Karras schedule
  EXPECT_EQ(s.schedule_steps, 44);
  ASSERT_EQ(s.sigmas.size(), 21u);
  std::vector<double> full = sampling::make_sigmas("karras", 44, model);
  EXPECT_EQ(s.sigma_r, full[24]);
  EXPECT_EQ(s.sigmas.back(), 0.0);
  for (size_t i = 1; i < s.sigmas.size(); ++i) EXPECT_LT(s.sigmas[i], s.sigmas[i - 1]);
  // σ_r sits where promote polish would put this strength on the quality schedule (≈ the same fraction).
  std::vector<double> q = sampling::make_sigmas("karras", 30, model);
  EXPECT_GT(s.sigma_r, q[17]);
  EXPECT_LT(s.sigma_r, q[16]);
  p.hires_strength = 1.0;
  EXPECT_EQ(hires_sigmas(p, model).sigma_r, full[0]);  // strength 1: from σ_max (a full re-render at 2x)
  p.hires_strength = 0.4;
  EXPECT_EQ(hires_sigmas(p, model).schedule_steps, 50);
  SamplingPlan rp = hires_pass_plan(p);
  EXPECT_EQ(rp.steps, 20);
  EXPECT_EQ(rp.sampler_at(0), "dpmpp_sde");
  EXPECT_EQ(rp.cfg, std::vector<double>(20, 9.0));
  EXPECT_FALSE(rp.adaptive.enabled);
}

TEST(HiresPieces, RequestFieldsRoundTripAndValidate) {
  GenerationRequest r;
  r.preset = Preset::Quality;
  r.hires = true;
  r.hires_strength = 0.6;
  r.hires_steps = 12;
  r.hires_upscale = HiresUpscale::Latent;
  GenerationRequest back = GenerationRequest::from_json(nlohmann::json::parse(r.to_json().dump()));
  EXPECT_EQ(back, r);
  EXPECT_EQ(plan_for(r).hires_upscale, "latent");
  EXPECT_EQ(plan_for(r).hires_steps, 12);
  nlohmann::json bad = r.to_json();
  bad["hires_upscale"] = "bicubic";
  EXPECT_THROW(GenerationRequest::from_json(bad), Error);
  for (double s : {0.0, -0.1, 1.5, std::nan("")}) {
    GenerationRequest x = r;
    x.hires_strength = s;
    EXPECT_THROW(validate_request(x), Error) << s;
  }
  for (int n : {0, -3, 151}) {
    GenerationRequest x = r;
    x.hires_steps = n;
    EXPECT_THROW(validate_request(x), Error) << n;
  }
  for (Preset p : {Preset::Fast, Preset::Lightning}) {
    GenerationRequest x = r;
    x.preset = p;
    EXPECT_THROW(validate_request(x), Error);
  }
  GenerationRequest custom = r;
  custom.preset = Preset::Custom;
  custom.sampler = "dpmpp_2m";
  EXPECT_EQ(plan_for(custom).hires_sampler, "dpmpp_2m");
}

// Files written before "refine" was split into the hires pass and the polish mode still read back the same.
TEST(HiresPieces, OlderRefineKeysReadAsHiresAndPolish) {
  auto req = GenerationRequest::from_json(nlohmann::json{{"preset", "quality"},   {"refine_2x", true},
                                                         {"refine_strength", 0.6}, {"refine_steps", 12},
                                                         {"refine_upscale", "latent"}, {"refine_sigma", 2.5},
                                                         {"promote", "refine"}});
  EXPECT_TRUE(req.hires);
  EXPECT_EQ(req.hires_strength, 0.6);
  EXPECT_EQ(req.polish_strength, 0.6);  // polish borrowed the hires strength then
  EXPECT_EQ(req.hires_steps, 12);
  EXPECT_EQ(req.hires_upscale, HiresUpscale::Latent);
  EXPECT_EQ(req.polish_sigma, 2.5);
  EXPECT_EQ(req.promote, PromoteMode::Polish);
  EXPECT_EQ(to_string(PromoteMode::Polish), "polish");

  auto rec = GenerationRecord::from_json(
      nlohmann::json{{"refined_2x", true}, {"refine_steps", 20}, {"refine_sigma", 3.0}, {"seconds_refine", 1.5}});
  EXPECT_TRUE(rec.hires);
  EXPECT_EQ(rec.hires_steps, 20);
  EXPECT_EQ(rec.hires_sigma, 3.0);
  EXPECT_EQ(rec.seconds_hires, 1.5);

  GenerationRequest q;
  q.preset = Preset::Quality;
  q.hires = true;
  nlohmann::json old_plan = plan_for(q).to_json();
  for (const char* k : {"hires", "hires_steps", "hires_strength", "hires_sampler", "hires_upscale"}) {
    std::string old_key = std::string(k) == "hires" ? "refine_2x" : "refine" + std::string(k).substr(5);
    old_plan[old_key] = old_plan[k];
    old_plan.erase(k);
  }
  EXPECT_EQ(SamplingPlan::from_json(old_plan), plan_for(q));
}

TEST(Hires2x, ImageModeDoublesTheSizeDeterministically) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  Pipeline p;
  GenerationResult base = p.generate(quality(oracle, 7, false));
  ASSERT_TRUE(base.ok()) << base.error;

  std::vector<StepEvent> events;
  GenerationResult r = p.generate(quality(oracle, 7, true), [&](const StepEvent& e) { events.push_back(e); });
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.images.size(), 1u);
  EXPECT_EQ(r.images[0].width, 128);
  EXPECT_EQ(r.images[0].height, 128);
  EXPECT_EQ(r.latents.sizes(), at::IntArrayRef({1, 4, 16, 16}));
  EXPECT_TRUE(r.record.hires);
  EXPECT_EQ(r.record.hires_steps, 20);
  EXPECT_EQ(r.record.steps_used, 50);
  EXPECT_GT(r.record.hires_sigma, 0);
  EXPECT_LT(r.record.hires_sigma, base.sigmas.front());
  EXPECT_EQ(r.record.unet_evals, base.record.unet_evals + 2 * 20 - 1);  // dpmpp_sde: 2 per step, 1 on the last
  EXPECT_GT(r.record.seconds_hires, 0);
  EXPECT_GT(r.record.seconds_upscale, 0);
  EXPECT_GE(r.record.seconds_sampling, r.record.seconds_hires);
  EXPECT_GE(r.record.seconds_total, r.record.seconds_sampling + r.record.seconds_upscale + r.record.seconds_decode);
  // The base pass is the plain quality run.
  EXPECT_EQ(r.sigmas, base.sigmas);

  // Events: 30 sampling steps, the upscale, 20 hires steps numbered on, the decode; planned 50 throughout.
  ASSERT_EQ(events.size(), 52u);
  for (int i = 0; i < 50; ++i) {
    const StepEvent& e = events[i < 30 ? i : i + 1];
    EXPECT_EQ(e.step, i + 1);
    EXPECT_EQ(e.planned, 50);
    EXPECT_EQ(e.phase, i < 30 ? Phase::Sampling : Phase::Hires);
    EXPECT_FALSE(e.preview.empty());
  }
  EXPECT_EQ(events[30].phase, Phase::Upscale);
  EXPECT_EQ(events[30].step, 30);
  EXPECT_EQ(events[51].phase, Phase::Decode);
  EXPECT_EQ(events[51].step, 50);
  EXPECT_EQ(events[50].sigma, 0.0);

  GenerationResult again = p.generate(quality(oracle, 7, true));
  ASSERT_TRUE(again.ok()) << again.error;
  EXPECT_TRUE(at::equal(again.latents, r.latents));
  EXPECT_TRUE(same_pixels(again.images[0], r.images[0]));

}

TEST(Hires2x, LatentModeDoublesTheSize) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  Pipeline p;
  GenerationRequest req = quality(oracle, 7, true);
  req.hires_upscale = HiresUpscale::Latent;
  req.hires_strength = 0.6;
  req.hires_steps = 10;
  GenerationResult r = p.generate(req);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.images[0].width, 128);
  EXPECT_EQ(r.images[0].height, 128);
  EXPECT_EQ(r.record.steps_used, 40);
  EXPECT_EQ(r.plan().hires_upscale, "latent");
  GenerationResult again = p.generate(req);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(same_pixels(again.images[0], r.images[0]));
  GenerationRequest image_mode = req;
  image_mode.hires_upscale = HiresUpscale::Image;
  GenerationResult ri = p.generate(image_mode);
  ASSERT_TRUE(ri.ok()) << ri.error;
  EXPECT_FALSE(at::equal(ri.latents, r.latents));  // the mode is used

}

TEST(Hires2x, CancelInsideTheHiresPassReturnsNothing) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  Pipeline p;
  std::atomic<bool> cancel{false};
  int last = 0;
  Phase last_phase = Phase::Sampling;
  GenerationResult r = p.generate(quality(oracle, 7, true), [&](const StepEvent& e) {
    last = e.step;
    last_phase = e.phase;
    if (e.step == 33) cancel = true;
  }, cancel);
  EXPECT_EQ(r.status, GenerationResult::Status::Cancelled);
  EXPECT_EQ(last, 33);
  EXPECT_EQ(last_phase, Phase::Hires);
  EXPECT_TRUE(r.images.empty());
  EXPECT_FALSE(r.latents.defined());

  // Cancelled during the upscale (between the passes): also nothing.
  std::atomic<bool> cancel2{false};
  GenerationResult r2 = p.generate(quality(oracle, 7, true), [&](const StepEvent& e) {
    if (e.phase == Phase::Upscale) cancel2 = true;
  }, cancel2);
  EXPECT_EQ(r2.status, GenerationResult::Status::Cancelled);
  EXPECT_TRUE(r2.images.empty());
}

TEST(Hires2x, InvalidSettingsFailWithAMessage) {
  RIPEN_ORACLE_OR_SKIP(oracle);
  Pipeline p;
  GenerationRequest req = quality(oracle, 7, true);
  req.hires_strength = 1.5;
  GenerationResult r = p.generate(req);
  EXPECT_EQ(r.status, GenerationResult::Status::Failed);
  EXPECT_NE(r.error.find("hires strength"), std::string::npos) << r.error;
  req.hires_strength = 0.45;
  req.preset = Preset::Fast;
  r = p.generate(req);
  EXPECT_EQ(r.status, GenerationResult::Status::Failed);
  EXPECT_NE(r.error.find("quality and custom"), std::string::npos) << r.error;
}

// The tiny oracle model has random weights (its VAE does not reconstruct, its UNet draws noise), so whether the
// pass keeps the seed's picture is checked on the trained embedded model: 64x64 → 128x128. That model was trained
// at 64x64 only and its images of one prompt look alike across seeds (SSIM ~0.84 between seeds 7 and 8), so the
// check runs at a low strength, where the pass must stay close to its own seed's base image: a pass that lost
// the base (wrong σ_r, wrong latent scaling or layout) would not.
TEST(Hires2x, EmbeddedModelKeepsTheSeedsPictureInBothModes) {
  Pipeline p;
  auto req = [](uint64_t seed, bool hires) {
    GenerationRequest r;
    r.model = "embedded";
    r.prompt = "red apple";
    r.seed = seed;
    r.width = 64;
    r.height = 64;
    r.preset = Preset::Quality;
    r.hires = hires;
    r.hires_steps = 4;
    return r;
  };
  GenerationResult base = p.generate(req(7, false));
  ASSERT_TRUE(base.ok()) << base.error;
  GenerationResult other = p.generate(req(8, false));
  ASSERT_TRUE(other.ok()) << other.error;
  const double mse_seeds = mse(base.images[0], other.images[0]);
  for (HiresUpscale mode : {HiresUpscale::Image, HiresUpscale::Latent}) {
    GenerationRequest rq = req(7, true);
    rq.hires_upscale = mode;
    rq.hires_strength = 0.25;
    GenerationResult r = p.generate(rq);
    ASSERT_TRUE(r.ok()) << r.error;
    ASSERT_EQ(r.images[0].width, 128);
    Image down = halve(r.images[0]);
    double ssim_same = ssim(down, base.images[0]), ssim_other = ssim(down, other.images[0]);
    double mse_same = mse(down, base.images[0]), mse_other = mse(down, other.images[0]);
    std::cout << to_string(mode) << " mode, strength " << rq.hires_strength << ": SSIM same seed " << ssim_same
              << ", other seed " << ssim_other << "; MSE same " << mse_same << ", other " << mse_other
              << "; base vs other: SSIM " << ssim(base.images[0], other.images[0]) << ", MSE " << mse_seeds << "\n";
    // Measured (2 cores, the lean embedded model; 128 px is twice what it was trained on): image mode SSIM 0.51
    // vs 0.47, MSE 0.0130 vs 0.0180; latent mode SSIM 0.60 vs 0.54, MSE 0.0120 vs 0.0163. (The earlier "small"
    // model: image 0.82 vs 0.75, MSE 0.0066 vs 0.0167; latent 0.88 vs 0.82, MSE 0.0071 vs 0.0130.)
    EXPECT_GT(ssim_same, ssim_other + 0.03);
    EXPECT_LT(mse_same * 1.25, mse_other);
  }
}
