#pragma once
// `ripen-cli batch`: runs this shard's jobs of a plan into the shard's own library folder, one job at a time,
// skipping the jobs that already have their row (a killed shard resumes where it stopped). A promotion copies its
// parent (image, latents, settings) from the plan's library into the shard's library first, so the shard is
// self-contained: its lineage is within it, and `library merge` maps the copy back onto the original row.
#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "farm/plan.h"
#include "farm/shard.h"
#include "pipeline/pipeline.h"

namespace ripen::farm {

struct BatchOptions {
  PipelineOptions pipeline;
  std::optional<std::string> model;  // replaces every job's model (where the farm node keeps it)
};

struct BatchProgress {
  int finished = 0, total = 0;  // this run's jobs (skipped ones excluded)
  double seconds = 0;           // since the first job started
  const PlanJob* job = nullptr;  // the job just finished
  bool ok = true;
};

struct BatchFailure {
  std::string job_id, error;
};

struct BatchSummary {
  Shard shard;
  size_t plan_jobs = 0, shard_jobs = 0, done_before = 0, rendered = 0;
  std::vector<BatchFailure> failures;
  std::vector<int64_t> ids;  // rows stored by this run
  double seconds = 0;
  bool cancelled = false;
  double jobs_per_minute() const { return seconds > 0 ? double(rendered) * 60.0 / seconds : 0.0; }
};

BatchSummary run_batch(const Plan& plan, const Shard& shard, const std::filesystem::path& library_dir,
                       const BatchOptions& options, const std::function<void(const BatchProgress&)>& on_progress = {},
                       const std::atomic<bool>& cancel = Pipeline::never_cancel());

}  // namespace ripen::farm
