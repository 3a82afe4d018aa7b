// The adaptive controller's trained predictor: fitting finds a known stop rule, the saved files load back to the
// same predictions, malformed files name themselves, and the pipeline uses a predictor found beside a model.
#include <filesystem>
#include <fstream>

#include "common/test_common.h"
#include "pipeline/adaptive.h"
#include "tensors/error.h"
#include "training/stop_predictor_trainer.h"

namespace ripen {
namespace {

namespace fs = std::filesystem;

// Runs whose measured SSIM (stopped vs full) rises with the step and falls with the latent change, like real ones:
// a checkpoint with latent change c has SSIM 1 − c/4.
std::vector<training::StopSample> synthetic_runs(int runs, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  std::vector<training::StopSample> out;
  for (int r = 0; r < runs; ++r) {
    double speed = 0.5 + at::rand({1}, gen).item<double>();
    for (int step : {4, 8, 12, 16}) {
      training::StopSample s;
      s.run = r;
      s.inputs.step = step, s.inputs.max_steps = 22, s.inputs.steps_since_previous = step == 4 ? 3 : 4;
      s.inputs.sigma_max = 14.6, s.inputs.sigma = 14.6 * std::exp(-0.3 * step);
      s.inputs.latent_change = 2.0 * std::exp(-0.25 * step * speed);
      s.inputs.preview_change = s.inputs.latent_change / 4;
      s.inputs.has_preview = true;
      s.ssim = 1.0 - s.inputs.latent_change / 4;
      out.push_back(s);
    }
  }
  return out;
}

TEST(StopPredictor, FitLearnsTheRuleAndStopsWhereTheImageNoLongerChanges) {
  training::StopFitOptions o;
  o.iterations = 1500;
  o.stop_at_ssim = 0.96;
  auto fit = training::fit_stop_predictor(synthetic_runs(96, 1), synthetic_runs(32, 2), o);
  EXPECT_LT(fit.validation.mae, 0.02);
  EXPECT_EQ(fit.validation.runs, 32);
  EXPECT_GT(fit.validation.stopped, 16);
  EXPECT_GE(fit.validation.mean_ssim_stopped, 0.95);
  EXPECT_LE(fit.validation.share_below_target, 0.25);
  ASSERT_FALSE(fit.loss.empty());
  EXPECT_LT(fit.loss.back().second, fit.loss.front().second / 10);
}

TEST(StopPredictor, SavedFilesLoadBackToTheSamePredictionsAndDriveTheController) {
  training::StopFitOptions o;
  o.iterations = 300;
  auto samples = synthetic_runs(16, 3);
  auto fit = training::fit_stop_predictor(samples, {}, o);
  const fs::path dir = fs::path(test::temp_dir("stop-predictor")) / "predictor";
  training::save_stop_predictor(dir.string(), fit);
  auto ps = ParamStore::from_tensors(fit.weights, "fit");
  auto net = StopPredictorNet::bind(ps, fit.config);
  ps.finish();
  auto loaded = std::make_shared<const StopPredictorNet>(StopPredictorNet::load(dir.string()));
  for (const auto& s : samples) EXPECT_NEAR(loaded->predict(s.inputs), net.predict(s.inputs), 1e-6);

  TrainedStopPredictor predictor(loaded);
  ConvergenceObservation obs;
  obs.step = 16, obs.max_steps = 22, obs.steps_since_previous = 4, obs.sigma = 0.2, obs.sigma_max = 14.6;
  obs.latent_change = 1e-3, obs.preview_change = 1e-3;
  obs.preview = at::zeros({1, 3, 4, 4});
  EXPECT_TRUE(predictor.decide(obs).stop) << predictor.decide(obs).reason;
  obs.latent_change = 2.0, obs.preview_change = 0.5, obs.step = 4;
  StopDecision d = predictor.decide(obs);
  EXPECT_FALSE(d.stop);
  EXPECT_NE(d.reason.find("predicted SSIM"), std::string::npos) << d.reason;
  // Learned with previews only: a run without them gets the heuristic's decision, and says so.
  obs.preview = at::Tensor();
  obs.step = 16, obs.latent_change = 1e-3, obs.preview_change = 0;
  d = predictor.decide(obs);
  EXPECT_TRUE(d.stop);
  EXPECT_NE(d.reason.find("heuristic"), std::string::npos) << d.reason;
  EXPECT_FALSE(loaded->within_training_range(stop_feature_inputs(obs)));
}

TEST(StopPredictor, MalformedFilesNameTheFileAndTheField) {
  training::StopFitOptions o;
  o.iterations = 10;
  auto fit = training::fit_stop_predictor(synthetic_runs(4, 4), {}, o);
  const fs::path dir = fs::path(test::temp_dir("stop-predictor-bad")) / "predictor";
  auto expect_error = [&](const std::string& needle, const std::string& second) {
    try {
      StopPredictorNet::load(dir.string());
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(needle), std::string::npos) << msg;
      EXPECT_NE(msg.find(second), std::string::npos) << msg;
    }
  };
  expect_error("config.json", "cannot open");
  training::save_stop_predictor(dir.string(), fit);
  auto write_config = [&](nlohmann::json j) { std::ofstream(dir / "config.json") << j.dump(); };
  nlohmann::json good = fit.config.to_json();
  auto j = good;
  j.erase("feature_std");
  write_config(j);
  expect_error("config.json", "feature_std");
  j = good;
  j["features"] = {"step_fraction"};
  write_config(j);
  expect_error("config.json", "retrain");
  j = good;
  j["feature_std"][0] = 0.0;
  write_config(j);
  expect_error("config.json", "positive");
  write_config(good);
  std::ofstream(dir / "model.safetensors", std::ios::trunc) << "not a safetensors file";
  expect_error("model.safetensors", "model.safetensors");
}

}  // namespace
}  // namespace ripen
