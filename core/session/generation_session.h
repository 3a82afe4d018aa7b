#pragma once
// One generation session for the CLI and the studio: it owns the pipeline (and through it the loaded model), the
// result store (the seed library, optional) and the latents of recent results, and runs one job at a time:
// generate a request, or promote a stored (or given) result. `ripen-cli generate` / `promote` and the studio's
// worker thread all call run(), so what they do cannot drift apart. Not thread-safe: one thread drives it.
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "pipeline/pipeline.h"
#include "pipeline/promote.h"
#include "session/latent_cache.h"
#include "session/result_store.h"

namespace ripen::session {

// What a promotion takes from the job; everything else is the parent's request (with the quality preset).
struct PromoteSettings {
  PromoteMode mode = PromoteMode::Rerender;
  std::optional<std::string> model;       // the parent's model file moved
  double polish_sigma = 0;                // polish: σ_r (0: from polish_strength)
  std::optional<double> polish_strength;
  std::optional<bool> hires;          // the hires pass
};

struct Job {
  GenerationRequest request;              // what to generate (unused by a promotion)
  GenerateInputs inputs;                  // generate: given initial noise, a measured plan
  std::optional<PromoteSettings> promote; // set: ripen `parent` (a stored id) or `source` (e.g. a latents file)
  std::optional<int64_t> parent;
  std::optional<PromoteSource> source;
};

struct JobOutcome {
  GenerationResult result;
  std::vector<int64_t> ids;                   // stored rows, one per image (empty without a store)
  PromoteMode promoted = PromoteMode::None;   // what ran: continue/polish fall back to rerender without latents
  bool latents_from_store = false;            // the parent's latents came from its stored file
  bool ok() const { return result.ok(); }
};

class GenerationSession {
 public:
  explicit GenerationSession(PipelineOptions options = {}, std::unique_ptr<ResultStore> store = nullptr);
  ~GenerationSession();

  // Never throws: a failure comes back as result.status Failed with the message, a cancel as Cancelled, and
  // then nothing was stored.
  JobOutcome run(const Job& job, const StepSink& on_step = {},
                 const std::atomic<bool>& cancel = Pipeline::never_cancel());

  // A new device/precision rebuilds the pipeline (and reloads the model on the next job); the same keeps it.
  void set_pipeline_options(const PipelineOptions& options);
  void set_store(std::unique_ptr<ResultStore> store);
  ResultStore* store() { return store_.get(); }
  Pipeline& pipeline() { return *pipeline_; }

 private:
  PromoteSource promote_source_for(const Job& job, JobOutcome& out);
  std::vector<int64_t> keep(const GenerationResult& result);

  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<ResultStore> store_;
  LatentCache latents_;
};

// Image i of a result as the store keeps it (seed + i, batch 1, its latents).
StoredImage stored_image(const GenerationResult& result, size_t i);

}  // namespace ripen::session
